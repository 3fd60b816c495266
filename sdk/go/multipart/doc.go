// Package multipart parses multipart/form-data bodies stored as blobs,
// reading them in windows through sdk.Host.ReadBlob so file parts never
// have to fit in guest memory (RFC 7578 over the syntax of RFC 2046 §5.1).
package multipart
