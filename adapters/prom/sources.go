package prom

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// PluginFigures are one plugin's counters on this replica.
type PluginFigures struct {
	Plugin                        string
	Calls, Errors, Traps, Reloads int64
	Instances                     int
}

// RemoteFigures are one remote repository's cache counters on this replica.
type RemoteFigures struct {
	Repository                    string
	Hits, Misses, UpstreamFetches int64
	NegativeHits, StaleServed     int64
}

// Sources are read at every scrape; nil fields are left out. Functions that
// reach the database get a context bounded by scrapeTimeout.
type Sources struct {
	Plugins func() []PluginFigures
	Remote  func(ctx context.Context) ([]RemoteFigures, error)
	// Queues maps a queue name (search_outbox, download_stats) to its depth.
	Queues func(ctx context.Context) map[string]int
	// JobsRunning counts the scheduled jobs that hold a lease right now.
	JobsRunning func(ctx context.Context) (int, error)
	// DownloadsDropped and DownloadsWritten are the download statistics
	// recorder's counters.
	DownloadsDropped, DownloadsWritten func() int64
}

const scrapeTimeout = 2 * time.Second

var (
	descPluginCalls     = prometheus.NewDesc("keeper_plugin_calls_total", "Calls into a format plugin on this replica.", []string{"plugin"}, nil)
	descPluginErrors    = prometheus.NewDesc("keeper_plugin_errors_total", "Plugin calls that failed (traps included).", []string{"plugin"}, nil)
	descPluginTraps     = prometheus.NewDesc("keeper_plugin_traps_total", "Plugin calls that trapped (instance discarded).", []string{"plugin"}, nil)
	descPluginReloads   = prometheus.NewDesc("keeper_plugin_reloads_total", "Times a plugin's module was replaced (hot reloads).", []string{"plugin"}, nil)
	descPluginInstances = prometheus.NewDesc("keeper_plugin_instances", "Live instances of a plugin (busy and idle).", []string{"plugin"}, nil)
	descRemoteHits      = prometheus.NewDesc("keeper_remote_cache_hits_total", "Remote repository requests served from the cache.", []string{"repository"}, nil)
	descRemoteMisses    = prometheus.NewDesc("keeper_remote_cache_misses_total", "Remote repository requests that needed the upstream.", []string{"repository"}, nil)
	descRemoteFetches   = prometheus.NewDesc("keeper_remote_upstream_fetches_total", "Fetches a remote repository sent upstream (single-flight merges concurrent misses).", []string{"repository"}, nil)
	descRemoteNegative  = prometheus.NewDesc("keeper_remote_negative_hits_total", "Remote repository requests answered 404 from remembered upstream 404s.", []string{"repository"}, nil)
	descRemoteStale     = prometheus.NewDesc("keeper_remote_stale_served_total", "Expired copies served because the upstream failed.", []string{"repository"}, nil)
	descQueue           = prometheus.NewDesc("keeper_queue_depth", "Entries waiting in a queue (search_outbox: packages to index; download_stats: downloads not yet written).", []string{"queue"}, nil)
	descJobsRunning     = prometheus.NewDesc("keeper_jobs_running", "Scheduled jobs holding a lease (running on some replica).", nil, nil)
	descDropped         = prometheus.NewDesc("keeper_download_stats_dropped_total", "Downloads not counted because the statistics buffer was full or the write failed.", nil, nil)
	descWritten         = prometheus.NewDesc("keeper_download_stats_written_total", "Downloads written to the statistics store.", nil, nil)
	descScrapeErrors    = prometheus.NewDesc("keeper_metrics_source_errors", "Sources that failed during this scrape (their figures are missing).", []string{"source"}, nil)
)

// Describe implements prometheus.Collector.
func (s Sources) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPluginCalls, descPluginErrors, descPluginTraps, descPluginReloads, descPluginInstances,
		descRemoteHits, descRemoteMisses, descRemoteFetches, descRemoteNegative, descRemoteStale,
		descQueue, descJobsRunning, descDropped, descWritten, descScrapeErrors} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (s Sources) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if s.Plugins != nil {
		for _, p := range s.Plugins() {
			counter(descPluginCalls, p.Calls, p.Plugin)
			counter(descPluginErrors, p.Errors, p.Plugin)
			counter(descPluginTraps, p.Traps, p.Plugin)
			counter(descPluginReloads, p.Reloads, p.Plugin)
			gauge(descPluginInstances, float64(p.Instances), p.Plugin)
		}
	}
	if s.Remote != nil {
		rs, err := s.Remote(ctx)
		if err != nil {
			gauge(descScrapeErrors, 1, "remote")
		}
		for _, r := range rs {
			counter(descRemoteHits, r.Hits, r.Repository)
			counter(descRemoteMisses, r.Misses, r.Repository)
			counter(descRemoteFetches, r.UpstreamFetches, r.Repository)
			counter(descRemoteNegative, r.NegativeHits, r.Repository)
			counter(descRemoteStale, r.StaleServed, r.Repository)
		}
	}
	if s.Queues != nil {
		for q, n := range s.Queues(ctx) {
			gauge(descQueue, float64(n), q)
		}
	}
	if s.JobsRunning != nil {
		n, err := s.JobsRunning(ctx)
		if err != nil {
			gauge(descScrapeErrors, 1, "jobs")
		} else {
			gauge(descJobsRunning, float64(n))
		}
	}
	if s.DownloadsDropped != nil {
		counter(descDropped, s.DownloadsDropped())
	}
	if s.DownloadsWritten != nil {
		counter(descWritten, s.DownloadsWritten())
	}
}
