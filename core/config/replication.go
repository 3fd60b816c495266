package config

import (
	"net/url"
	"time"
)

// Replication tunes replication to peers (docs/replication.md).
type Replication struct {
	// Name is this instance's name in its identity (KEEPER_REPLICATION_NAME); default "keeper".
	Name string `yaml:"name"`
	// HeartbeatEvery is how often peers are announced to and checked.
	HeartbeatEvery time.Duration `yaml:"heartbeat_every"`
	// OfflineAfter is the silence after which a peer counts as offline.
	OfflineAfter time.Duration `yaml:"offline_after"`
	// Poll is how often the queues are looked at when idle: the bound on
	// the lag of an immediate policy besides the transfer itself.
	Poll time.Duration `yaml:"poll"`
	// ChunkBytes is the chunk size of resumable transfers; larger blobs go in chunks.
	ChunkBytes int64 `yaml:"chunk_bytes"`
	// RetryBase and RetryMax bound the backoff of a failed transfer.
	RetryBase time.Duration `yaml:"retry_base"`
	RetryMax  time.Duration `yaml:"retry_max"`
	// Workers is how many transfers one replica runs at once.
	Workers int `yaml:"workers"`
	// PullEvery is how often immediate pull and mirror policies read their peers' change feeds.
	PullEvery time.Duration `yaml:"pull_every"`
	// EdgeHubURL, when set, makes this instance an edge node of that hub:
	// it serves the hub's anonymously readable files through a cache of at
	// most EdgeCapacityBytes, fetching misses with EdgeAPIKey (an API
	// token of a hub administrator).
	EdgeHubURL        string `yaml:"edge_hub_url"`
	EdgeAPIKey        string `yaml:"edge_api_key" secret:"true"`
	EdgeCapacityBytes int64  `yaml:"edge_capacity_bytes"`
	// EdgeTTL is how long an edge trusts the hub's record of a path before
	// it asks again (0: every request asks).
	EdgeTTL time.Duration `yaml:"edge_ttl"`
	// EdgeSources are other edge nodes of the same hub (URLs) misses may
	// be fetched from (KEEPER_REPLICATION_EDGE_SOURCES, comma-separated).
	EdgeSources []string `yaml:"edge_sources"`
}

func defaultReplication() Replication {
	return Replication{Name: "keeper", HeartbeatEvery: 10 * time.Second, OfflineAfter: 30 * time.Second,
		Poll: 200 * time.Millisecond, ChunkBytes: 8 << 20, RetryBase: time.Second, RetryMax: time.Minute, Workers: 4,
		PullEvery: 10 * time.Second, EdgeCapacityBytes: 10 << 30, EdgeTTL: time.Minute}
}

func (r Replication) validate(bad func(key, format string, args ...any)) {
	if r.Name == "" || len(r.Name) > 100 {
		bad("replication.name", "must be 1 to 100 characters")
	}
	if r.HeartbeatEvery < 100*time.Millisecond || r.HeartbeatEvery > time.Hour {
		bad("replication.heartbeat_every", "must be between 100ms and 1h")
	}
	if r.OfflineAfter < r.HeartbeatEvery {
		bad("replication.offline_after", "must be at least replication.heartbeat_every")
	}
	if r.Poll < 10*time.Millisecond || r.Poll > time.Minute {
		bad("replication.poll", "must be between 10ms and 1m")
	}
	if r.ChunkBytes < 64<<10 || r.ChunkBytes > 1<<30 {
		bad("replication.chunk_bytes", "must be between 64 KiB and 1 GiB")
	}
	if r.RetryBase < 10*time.Millisecond || r.RetryMax < r.RetryBase || r.RetryMax > 24*time.Hour {
		bad("replication.retry_base", "must be at least 10ms, and retry_max between it and 24h")
	}
	if r.PullEvery < 100*time.Millisecond || r.PullEvery > 24*time.Hour {
		bad("replication.pull_every", "must be between 100ms and 24h")
	}
	if r.EdgeHubURL != "" {
		u, err := url.Parse(r.EdgeHubURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
			bad("replication.edge_hub_url", "must be an http:// or https:// URL without credentials or query")
		}
		if r.EdgeAPIKey == "" {
			bad("replication.edge_api_key", "is needed with replication.edge_hub_url")
		}
	}
	if r.EdgeTTL < 0 || r.EdgeTTL > 24*time.Hour {
		bad("replication.edge_ttl", "must be between 0 and 24h")
	}
	for _, s := range r.EdgeSources {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
			bad("replication.edge_sources", "must be http:// or https:// URLs without credentials or query")
		}
	}
	if r.EdgeCapacityBytes < 1<<10 {
		bad("replication.edge_capacity_bytes", "must be at least 1 KiB")
	}
	if r.Workers < 1 || r.Workers > 64 {
		bad("replication.workers", "must be between 1 and 64")
	}
}
