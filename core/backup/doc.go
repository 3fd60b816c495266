// Package backup copies an instance's metadata and blobs to a backup target
// and restores them into an empty instance (layout in manifest.go).
package backup
