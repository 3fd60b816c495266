// Package codec compresses and decompresses the formats of the plugin
// contract's compression enum (gzip, xz, zstd, bzip2) as streams.
package codec
