package dispatch

import (
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// Route is one mount of an enabled plugin in the routing table.
type Route struct {
	Prefix   string `json:"prefix"`
	Root     bool   `json:"root"`
	PluginID string `json:"plugin_id"`
	Format   string `json:"format"`
	// AnonymousPaths are the mount's patterns of sub-paths reachable without
	// the up-front authorization (see ports.Mount).
	AnonymousPaths []string `json:"anonymous_paths,omitempty"`
	// ReadPaths are the mount's patterns of sub-paths whose POST and
	// OPTIONS calls only read (see ports.Mount).
	ReadPaths []string `json:"read_paths,omitempty"`
	// Credentials are the carriers the plugin accepts on the mount and the
	// challenge of the host's 401 answers there.
	Credentials ports.Credentials `json:"credentials"`
	// Grants are the credential-minting imports the plugin may use
	// (ports.GrantLogin, ports.GrantSessionToken).
	Grants []string `json:"grants,omitempty"`
	// SHA256Bodies: the plugin declared ports.CapSHA256Bodies, so bodies are
	// stored with their sha256 only.
	SHA256Bodies bool `json:"sha256_bodies,omitempty"`
}

// Granted reports whether the route's plugin holds grant.
func (r Route) Granted(grant string) bool { return slices.Contains(r.Grants, grant) }

// Overlap reports whether two mount prefixes claim a common path: equal, or
// one a prefix of the other on a segment boundary ("/npm/" and
// "/npm/somerepo/", "/v2" and "/v2/x/").
func Overlap(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	_, ok := matchPrefix(a, strings.TrimSuffix(b, "/"))
	return ok
}

// Anonymous reports whether subPath (escaped, after the repository segment)
// matches one of the route's anonymous-path patterns.
func (r Route) Anonymous(subPath string) bool {
	for _, pat := range r.AnonymousPaths {
		if ok, err := path.Match(pat, subPath); ok && err == nil {
			return true
		}
	}
	return false
}

// ReadCall reports whether a call with method on subPath only reads: a
// POST or OPTIONS on one of the route's read-path patterns.
func (r Route) ReadCall(method, subPath string) bool {
	if method != "POST" && method != "OPTIONS" {
		return false
	}
	for _, pat := range r.ReadPaths {
		if ok, err := path.Match(pat, subPath); ok && err == nil {
			return true
		}
	}
	return false
}

// Table is an immutable routing table; the dispatcher swaps whole tables.
type Table struct {
	// routes are ordered by prefix length, longest first, so the first match
	// is the longest prefix.
	routes  []Route
	plugins map[string]bool
	// tokenHeaders are the token headers any routed plugin declared: the
	// host consumes them, so no plugin sees them on any mount.
	tokenHeaders []string
}

// NewTable builds a table from routes. When a route's prefix overlaps (see
// Overlap) a prefix of another plugin given earlier, the earlier one wins: a
// plugin never receives another plugin's traffic. The losers are returned so
// the caller can report them.
func NewTable(routes []Route) (*Table, []Route) {
	t := &Table{plugins: make(map[string]bool)}
	var dropped []Route
	for _, r := range routes {
		if r.Prefix == "" || r.Prefix[0] != '/' || t.claimed(r) {
			dropped = append(dropped, r)
			continue
		}
		t.routes = append(t.routes, r)
		t.plugins[r.PluginID] = true
		for _, h := range r.Credentials.TokenHeaders {
			if !slices.ContainsFunc(t.tokenHeaders, func(x string) bool { return strings.EqualFold(x, h) }) {
				t.tokenHeaders = append(t.tokenHeaders, h)
			}
		}
	}
	sort.SliceStable(t.routes, func(i, j int) bool {
		if len(t.routes[i].Prefix) != len(t.routes[j].Prefix) {
			return len(t.routes[i].Prefix) > len(t.routes[j].Prefix)
		}
		return t.routes[i].Prefix < t.routes[j].Prefix
	})
	return t, dropped
}

// claimed reports whether r's prefix overlaps one already in the table
// (the same prefix twice counts even for one plugin).
func (t *Table) claimed(r Route) bool {
	for _, o := range t.routes {
		if o.Prefix == r.Prefix || o.PluginID != r.PluginID && Overlap(o.Prefix, r.Prefix) {
			return true
		}
	}
	return false
}

// Routes returns a copy of the table's routes, longest prefix first.
func (t *Table) Routes() []Route {
	return append([]Route(nil), t.routes...)
}

// TokenHeaders are the token headers declared by any plugin in the table.
func (t *Table) TokenHeaders() []string { return t.tokenHeaders }

// HasPlugin reports whether any route of plugin id is in the table.
func (t *Table) HasPlugin(id string) bool { return t.plugins[id] }

// Lookup finds the route with the longest prefix matching the escaped path
// and returns the remainder after the prefix, without a leading slash. A
// prefix matches on a segment boundary: "/generic/" matches "/generic/x" and
// "/generic", "/v2" matches "/v2/x" but not "/v20".
func (t *Table) Lookup(escapedPath string) (Route, string, bool) {
	for _, r := range t.routes {
		if rest, ok := matchPrefix(r.Prefix, escapedPath); ok {
			return r, rest, true
		}
	}
	return Route{}, "", false
}

func matchPrefix(prefix, p string) (string, bool) {
	if strings.HasSuffix(prefix, "/") {
		if strings.HasPrefix(p, prefix) {
			return p[len(prefix):], true
		}
		if p == prefix[:len(prefix)-1] {
			return "", true
		}
		return "", false
	}
	if !strings.HasPrefix(p, prefix) {
		return "", false
	}
	rest := p[len(prefix):]
	if rest == "" {
		return "", true
	}
	if rest[0] == '/' {
		return rest[1:], true
	}
	return "", false
}
