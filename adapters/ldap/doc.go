// Package ldap checks passwords against an LDAP directory (simple bind or
// search then bind, over ldap://, StartTLS or ldaps://) and reads the
// user's groups, for core/sso.
package ldap
