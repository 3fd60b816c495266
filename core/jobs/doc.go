// Package jobs runs periodic background work (GC, upload expiry, storage
// janitors) once per interval across all replicas, through leases.
package jobs
