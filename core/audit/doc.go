// Package audit records security-relevant events (authentication, token and
// policy changes, permission denials) to the audit log without ever failing
// the request that caused them.
package audit
