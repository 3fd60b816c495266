// Package generic is the generic format plugin: store, serve, list and delete any path.
package generic
