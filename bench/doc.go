// Package bench holds Keeper's foundation benchmarks: the one-pass write+sha256
// reference used as the upload limit, and Go benchmarks of the upload hashing path
// (the end-to-end figures against a real keeper process come from run.sh).
package bench
