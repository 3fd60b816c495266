// Package peer is the HTTP client of another Keeper's replication API, reached only through the egress guard.
package peer
