// Package egress is the one guard for every outbound connection Keeper makes
// on an administrator's or user's say-so (SSO discovery, later upstreams,
// webhooks and peers): it refuses private, loopback and link-local targets,
// checked on the resolved address at dial time.
package egress
