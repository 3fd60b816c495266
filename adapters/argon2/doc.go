// Package argon2 hashes passwords with argon2id (RFC 9106) in the PHC string format.
package argon2
