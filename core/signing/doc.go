// Package signing manages the server's signing keys (generate, import,
// rotate, revoke, per-repository choice) and signs with a repository's key
// for the plugin contract's sign import, keeping private keys sealed.
package signing
