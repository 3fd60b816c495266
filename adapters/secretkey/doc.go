// Package secretkey loads the key that seals secrets at rest: from the
// configuration, or from a key file created (0600) at first start.
package secretkey
