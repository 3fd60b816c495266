// Package lfs is the Git LFS format plugin: the batch API with basic transfers, object verification and the file locking API.
package lfs
