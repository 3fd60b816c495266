// Package pgp creates, imports and uses OpenPGP signing keys (RSA and
// Ed25519) with ProtonMail's go-crypto: the key crypto behind the signing
// service and the contract's sign and public-key imports.
package pgp
