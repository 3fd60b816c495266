// Package ansible is the Ansible Galaxy collection repository format plugin: the Galaxy v3 API that ansible-galaxy publishes to and installs from.
package ansible
