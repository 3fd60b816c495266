// Package prom exposes Keeper's figures in the Prometheus text format with
// prometheus/client_golang: request counters and histograms, and figures
// read from the other rooms when a scrape asks (plugins, remote caches,
// queues, the database pool).
package prom
