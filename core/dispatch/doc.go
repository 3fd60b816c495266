// Package dispatch maps every non-API request to the format plugin that
// claims its URL prefix, binds the repository, and serves stored files itself.
package dispatch
