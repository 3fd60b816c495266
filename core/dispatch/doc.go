// Package dispatch maps every non-API request to the format plugin that
// claims its URL prefix, binds the repository, and answers stored files and
// cached documents itself; it returns results and typed errors, which the
// HTTP adapter writes.
package dispatch
