// Package gomod is the Go modules format plugin: a GOPROXY protocol server
// (https://go.dev/ref/mod#goproxy-protocol) over module zips uploaded with
// PUT /go/<repo>/<escaped-module>/@v/<escaped-version>.zip.
package gomod
