// Package otel traces HTTP requests with OpenTelemetry, exported over OTLP
// when the standard OTEL_EXPORTER_OTLP_* environment variables ask for it.
package otel
