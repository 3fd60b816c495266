// Package upload runs resumable uploads: sessions whose chunks are stored as
// blobs, so they survive restarts and continue on any replica.
package upload
