package otel

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestEnabledOnlyWithAnEndpoint(t *testing.T) {
	for _, c := range []struct {
		env  []string
		want bool
	}{
		{nil, false},
		{[]string{"OTEL_EXPORTER_OTLP_ENDPOINT="}, false},
		{[]string{"OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318"}, true},
		{[]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://collector:4318/v1/traces"}, true},
		{[]string{"OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318", "OTEL_SDK_DISABLED=true"}, false},
	} {
		if got := Enabled(c.env); got != c.want {
			t.Errorf("Enabled(%q) = %v", c.env, got)
		}
	}
}

// A request becomes one server span named by its method, in the caller's
// trace when it sent a traceparent, with the status recorded.
func TestRequestsBecomeServerSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tr := New(rec, "test")
	h := tr.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	req := httptest.NewRequest("GET", "/npm/libs/secret-package-name", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if err := tr.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	s := spans[0]
	if s.Name() != "HTTP GET" || s.SpanKind().String() != "server" {
		t.Fatalf("span %q kind %s", s.Name(), s.SpanKind())
	}
	if got := s.SpanContext().TraceID().String(); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Fatalf("trace id %s, want the caller's", got)
	}
	status := false
	for _, a := range s.Attributes() {
		if a.Key == "http.response.status_code" && a.Value.AsInt64() == http.StatusTeapot {
			status = true
		}
	}
	if !status {
		t.Fatalf("no status attribute in %v", s.Attributes())
	}
}
