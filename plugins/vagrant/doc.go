// Package vagrant is Keeper's built-in Vagrant box format plugin.
package vagrant
