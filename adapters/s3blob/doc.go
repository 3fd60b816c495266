// Package s3blob stores content-addressed blobs in an S3-compatible object store.
package s3blob
