package remote

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Per-repository settings (repository config keys).
const (
	// ConfigTTL is how long a mutable file is served before it is
	// revalidated: a Go duration ("10m") or seconds.
	ConfigTTL = "cache_ttl"
	// ConfigNegativeTTL is how long an upstream 404 is remembered.
	ConfigNegativeTTL = "negative_cache_ttl"
	// ConfigUsername, ConfigPassword and ConfigToken are the upstream
	// credentials (Basic, or Bearer with a token); the API never shows the
	// password or the token back.
	ConfigUsername = "upstream_username"
	ConfigPassword = "upstream_password"
	ConfigToken    = "upstream_token"
)

// entry is what the cache records about a cached file, in its metadata.
type entry struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	FetchedAt    time.Time `json:"fetched_at"`
	// URL is where the upstream answered from, when it redirected.
	URL string `json:"url,omitempty"`
	// VaryAccept is set when the upstream's answer depended on the
	// client's Accept header (Vary: Accept); Accept is the header this copy
	// was fetched with. Clients asking with another Accept get their own
	// copy (variantPath).
	VaryAccept bool   `json:"vary_accept,omitempty"`
	Accept     string `json:"accept,omitempty"`
	// Headers are the upstream's header fields the cache replays (headers.go).
	Headers []header `json:"headers,omitempty"`
	// scan is the file's scan layout (Deps.ScanLayout), kept beside the
	// entry as the metadata's reserved "scan" member.
	scan json.RawMessage
}

type fileMeta struct {
	Remote *entry          `json:"remote"`
	Scan   json.RawMessage `json:"scan,omitempty"`
}

func readEntry(f ports.File) entry {
	var m fileMeta
	if json.Unmarshal(f.Metadata, &m) != nil || m.Remote == nil {
		return entry{}
	}
	e := *m.Remote
	e.scan = m.Scan
	return e
}

func (e entry) metadata() []byte {
	b, _ := json.Marshal(fileMeta{Remote: &e, Scan: e.scan})
	return b
}

// duration reads a repository setting, def when absent or invalid.
func duration(cfg map[string]string, key string, def time.Duration) time.Duration {
	v := strings.TrimSpace(cfg[key])
	if v == "" {
		return def
	}
	if c := v[len(v)-1]; c >= '0' && c <= '9' { // seconds; a failed parse would allocate its error on every hit
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d
	}
	return def
}

// negatives remembers upstream 404s per (repository, path) until they expire.
type negatives struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (n *negatives) has(key string, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	exp, ok := n.m[key]
	if ok && !now.Before(exp) {
		delete(n.m, key)
		return false
	}
	return ok
}

func (n *negatives) add(key string, now, until time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[string]time.Time{}
	}
	if len(n.m) >= maxNegatives { // full: drop the expired ones, then any until half full
		for k, exp := range n.m {
			if !now.Before(exp) {
				delete(n.m, k)
			}
		}
		for k := range n.m {
			if len(n.m) < maxNegatives/2 {
				break
			}
			delete(n.m, k)
		}
	}
	n.m[key] = until
}

// remove forgets the 404s of repoID under path (every one when prefix).
func (n *negatives) remove(repoID int64, path string, prefix bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	k := flightKey(repoID, path)
	for key := range n.m {
		if key == k || (prefix && strings.HasPrefix(key, k)) {
			delete(n.m, key)
		}
	}
}

// maxNegatives bounds the 404s remembered by one process.
const maxNegatives = 100000

func flightKey(repoID int64, path string) string {
	return strconv.FormatInt(repoID, 10) + "\x00" + path
}
