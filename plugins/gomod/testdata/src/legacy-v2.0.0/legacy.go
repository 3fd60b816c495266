// Package legacy is a module without go.mod, published as v2.0.0+incompatible.
package legacy

// Name names the package.
const Name = "legacy"
