// Package sso holds enterprise logins: validated provider settings (LDAP,
// OpenID Connect, SAML), group-to-role mapping and the provisioning of the
// Keeper users that sign in through them.
package sso
