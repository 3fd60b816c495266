// Package puppet is the Puppet Forge format plugin: the Forge v3 API that `puppet module install` reads and modules are published to.
package puppet
