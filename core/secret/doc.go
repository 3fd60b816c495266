// Package secret seals secrets kept at rest (signing keys, provider
// credentials) with AES-256-GCM under a primary key, opening values sealed
// with previous keys so keys can be rotated.
package secret
