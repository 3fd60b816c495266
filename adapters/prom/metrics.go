package prom

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics owns one registry with Keeper's collectors. Label values are
// bounded: repositories and formats that exist, route templates, methods
// from a fixed list, status codes; never a raw path.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	bytesIn  *prometheus.CounterVec
	bytesOut *prometheus.CounterVec
	duration *prometheus.HistogramVec
	upstream *prometheus.CounterVec
	upDur    prometheus.Histogram
}

// New returns the metrics with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keeper_http_requests_total",
			Help: "HTTP requests answered, by repository and format (format requests), API route template, method and status."},
			[]string{"repository", "format", "route", "method", "status"}),
		bytesIn: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keeper_http_request_bytes_total",
			Help: "Request body bytes read, by repository and format."}, []string{"repository", "format"}),
		bytesOut: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keeper_http_response_bytes_total",
			Help: "Response body bytes sent, by repository and format."}, []string{"repository", "format"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "keeper_http_request_duration_seconds",
			Help:    "Time from a request's arrival to its last byte answered, by format (empty: API and others) and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}},
			[]string{"format", "method"}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keeper_upstream_requests_total",
			Help: "Requests sent to upstreams of remote repositories, by result (2xx, 3xx, 4xx, 5xx, error)."}, []string{"result"}),
		upDur: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "keeper_upstream_request_duration_seconds",
			Help:    "Time until an upstream's response head arrived (or the request failed).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}),
	}
	m.reg.MustRegister(m.requests, m.bytesIn, m.bytesOut, m.duration, m.upstream, m.upDur,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, MaxRequestsInFlight: 4})
}

// Register adds a collector (the wiring adds those reading other rooms).
func (m *Metrics) Register(c prometheus.Collector) error { return m.reg.Register(c) }

// RegisterDB adds the connection pool's statistics (sql.DBStats) as
// go_sql_* metrics labelled db_name.
func (m *Metrics) RegisterDB(db *sql.DB, name string) error {
	return m.reg.Register(collectors.NewDBStatsCollector(db, name))
}

// Request is one answered HTTP request.
type Request struct {
	Repository, Format, Route, Method string
	Status                            int
	BytesIn, BytesOut                 int64
	Duration                          time.Duration
}

// ObserveRequest counts r.
func (m *Metrics) ObserveRequest(r Request) {
	method := methodLabel(r.Method)
	m.requests.WithLabelValues(r.Repository, r.Format, r.Route, method, strconv.Itoa(r.Status)).Inc()
	if r.BytesIn > 0 {
		m.bytesIn.WithLabelValues(r.Repository, r.Format).Add(float64(r.BytesIn))
	}
	if r.BytesOut > 0 {
		m.bytesOut.WithLabelValues(r.Repository, r.Format).Add(float64(r.BytesOut))
	}
	m.duration.WithLabelValues(r.Format, method).Observe(r.Duration.Seconds())
}

// methodLabel keeps the label to the methods clients use.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// ObserveUpstream counts one upstream request: its status (0 when it
// failed) and the time to its response head.
func (m *Metrics) ObserveUpstream(status int, took time.Duration) {
	result := "error"
	if status >= 100 && status < 600 {
		result = strconv.Itoa(status/100) + "xx"
	}
	m.upstream.WithLabelValues(result).Inc()
	m.upDur.Observe(took.Seconds())
}
