// Package inner is a subpackage of the v2 test module.
package inner

// Version is the module version.
const Version = "v2.0.0"
