package ports

// PasswordHasher hashes and verifies passwords (argon2id, bcrypt…).
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Verify reports whether password matches hash; a malformed hash is an error.
	Verify(hash, password string) (bool, error)
}
