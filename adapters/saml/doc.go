// Package saml is Keeper's SAML 2.0 service provider (crewjam/saml):
// metadata, AuthnRequests over HTTP-Redirect and verification of responses
// POSTed to the assertion consumer service, for core/sso.
package saml
