// Package auth authenticates callers (passwords, session and API tokens) and
// carries the resulting Subject through a request's context.
package auth
