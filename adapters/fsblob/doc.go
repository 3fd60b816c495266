// Package fsblob stores content-addressed blobs as files on a local file system.
package fsblob
