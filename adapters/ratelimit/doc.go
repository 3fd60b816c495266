// Package ratelimit protects the server from abuse with gin middleware:
// token-bucket limits per client IP, per user and (stricter) for logins,
// answered 429 with Retry-After, and a global in-flight limit that sheds
// load with 503. Limits are per process; see docs/rate-limits.md.
package ratelimit
