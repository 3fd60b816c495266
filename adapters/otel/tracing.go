package otel

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// Tracing wraps HTTP handlers in server spans sent to an exporter.
type Tracing struct {
	provider *sdktrace.TracerProvider
}

// Enabled reports whether env (os.Environ form) turns tracing on: an OTLP
// endpoint is named (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and OTEL_SDK_DISABLED is not true.
func Enabled(env []string) bool {
	on := false
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "OTEL_SDK_DISABLED":
			if strings.EqualFold(v, "true") {
				return false
			}
		case "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":
			on = on || v != ""
		}
	}
	return on
}

// NewOTLP exports spans over OTLP/HTTP, configured by the standard
// OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout, TLS).
// The export is batched in the background; a collector that is down costs
// dropped spans, never a slower request.
func NewOTLP(ctx context.Context, version string) (*Tracing, error) {
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("otel: otlp exporter: %w", err)
	}
	return New(sdktrace.NewBatchSpanProcessor(exp), version), nil
}

// New sends spans to processor (tests pass a recorder).
func New(processor sdktrace.SpanProcessor, version string) *Tracing {
	res := resource.NewSchemaless(semconv.ServiceName("keeper"), semconv.ServiceVersion(version))
	return &Tracing{provider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(processor), sdktrace.WithResource(res))}
}

// Wrap makes a server span of every request, continuing the caller's
// trace from a W3C traceparent header. Span names are the method only:
// paths are unbounded.
func (t *Tracing) Wrap(h http.Handler) http.Handler {
	return otelhttp.NewHandler(h, "keeper",
		otelhttp.WithTracerProvider(t.provider),
		otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "HTTP " + r.Method }),
		otelhttp.WithSpanOptions(trace.WithSpanKind(trace.SpanKindServer)),
	)
}

// Shutdown sends the spans still buffered (bounded by ctx).
func (t *Tracing) Shutdown(ctx context.Context) error { return t.provider.Shutdown(ctx) }
