// Package promote copies or moves a package version (or a set of paths) from one local repository to another of the same format through the store's commit path, reusing blobs.
package promote
