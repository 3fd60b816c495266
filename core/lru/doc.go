// Package lru is a concurrency-safe least-recently-used cache bounded both in
// entries and in bytes, for every cache keyed by something a client controls.
package lru
