// Package cargo is the Cargo format plugin: a sparse registry index, the
// registry web API (publish, yank, search, owners) and crate downloads.
package cargo
