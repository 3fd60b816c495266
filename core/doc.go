// Package core is the root of Keeper's domain; its sub-packages hold the
// rules and import only the standard library, ports/ and other core packages.
package core
