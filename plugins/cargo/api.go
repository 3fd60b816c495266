package cargo

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// crateSummary is what search and owners read, kept per crate in KV.
type crateSummary struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	MaxVersion  string   `json:"max_version"`
	Owners      []string `json:"owners,omitempty"`
}

func getSummary(h sdk.Host, lower string) (*crateSummary, error) {
	b, ok, err := h.KVGet(nsCrates, lower)
	if err != nil || !ok {
		return nil, err
	}
	var s crateSummary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("cargo: summary of %s: %w", lower, err)
	}
	return &s, nil
}

func putSummary(h sdk.Host, lower string, s *crateSummary) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return h.KVPut(nsCrates, lower, b)
}

// maxVersion is the highest version that is not yanked, preferring releases
// over pre-releases; "0.0.0" when every version is yanked.
func maxVersion(lines []versionLine) string {
	best, bestPre := -1, -1
	for i, l := range lines {
		var y struct {
			Yanked bool `json:"yanked"`
		}
		if json.Unmarshal(l.line, &y) != nil || y.Yanked {
			continue
		}
		if len(l.v.Pre) == 0 {
			if best < 0 || l.v.Compare(lines[best].v) > 0 {
				best = i
			}
		} else if bestPre < 0 || l.v.Compare(lines[bestPre].v) > 0 {
			bestPre = i
		}
	}
	switch {
	case best >= 0:
		return lines[best].vers
	case bestPre >= 0:
		return lines[bestPre].vers
	}
	return "0.0.0"
}

// download answers a download URL the host's fast path did not serve: the
// crate name in another case than published, else 404.
func download(h sdk.Host, name, vers string) (*sdk.Response, error) {
	if validCrateName(name) != nil {
		return apiError(404, "not found"), nil
	}
	sum, err := getSummary(h, strings.ToLower(name))
	if err != nil {
		return nil, err
	}
	if sum != nil && sum.Name != name {
		f, err := h.GetFile(downloadPath(sum.Name, vers))
		if err != nil {
			return nil, err
		}
		if f != nil {
			return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: f.Path}, nil
		}
	}
	return apiError(404, fmt.Sprintf("crate `%s` has no version `%s`", name, vers)), nil
}

// setYanked flips the yanked flag of a version in its index line
// (https://doc.rust-lang.org/cargo/reference/registry-web-api.html#yank).
func setYanked(h sdk.Host, name, vers string, yanked bool) (*sdk.Response, error) {
	if validCrateName(name) != nil {
		return apiError(404, "not found"), nil
	}
	lower := strings.ToLower(name)
	lines, err := listLines(h, lower)
	if err != nil {
		return nil, err
	}
	idx := -1
	for i, l := range lines {
		if l.vers == vers {
			idx = i
		}
	}
	if idx < 0 {
		return apiError(404, fmt.Sprintf("crate `%s` has no version `%s`", name, vers)), nil
	}
	var e IndexEntry
	if err := json.Unmarshal(lines[idx].line, &e); err != nil {
		return nil, fmt.Errorf("cargo: index line of %s@%s: %w", lower, vers, err)
	}
	if e.Yanked != yanked {
		e.Yanked = yanked
		line, err := marshalLine(&e)
		if err != nil {
			return nil, err
		}
		lines[idx].line, lines[idx].bare = line, false
		if err := h.StageVersion(sdk.VersionPut{Package: lower, Version: vers, Metadata: wrapLine(vers, line)}); err != nil {
			return nil, err
		}
		if err := rewrapBare(h, lower, lines); err != nil {
			return nil, err
		}
		sum, err := getSummary(h, lower)
		if err != nil {
			return nil, err
		}
		if sum == nil {
			sum = &crateSummary{Name: e.Name}
		}
		sum.MaxVersion = maxVersion(lines)
		if err := putSummary(h, lower, sum); err != nil {
			return nil, err
		}
	}
	return jsonResponse(200, []byte(`{"ok":true}`)), nil
}

// owners lists the publisher of the crate's first version
// (https://doc.rust-lang.org/cargo/reference/registry-web-api.html#owners-list).
func owners(h sdk.Host, name string) (*sdk.Response, error) {
	if validCrateName(name) != nil {
		return apiError(404, "not found"), nil
	}
	sum, err := getSummary(h, strings.ToLower(name))
	if err != nil {
		return nil, err
	}
	if sum == nil {
		return apiError(404, fmt.Sprintf("crate `%s` does not exist", name)), nil
	}
	type user struct {
		ID    int    `json:"id"`
		Login string `json:"login"`
		Name  string `json:"name"`
	}
	users := []user{}
	for i, o := range sum.Owners {
		users = append(users, user{ID: i + 1, Login: o, Name: o})
	}
	b, _ := json.Marshal(map[string]any{"users": users})
	return jsonResponse(200, b), nil
}

// searchHit is one crate of a search answer.
type searchHit struct {
	Name        string `json:"name"`
	MaxVersion  string `json:"max_version"`
	Description string `json:"description"`
}

// search answers GET /api/v1/crates?q=&per_page=&page= by a case-insensitive
// substring match on names and descriptions, exact name first
// (https://doc.rust-lang.org/cargo/reference/registry-web-api.html#search).
// It scans at most maxSearchScan crates.
func search(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	q, _ := url.ParseQuery(req.RawQuery)
	term := strings.ToLower(strings.TrimSpace(q.Get("q")))
	perPage := boundedInt(q.Get("per_page"), 10, 1, 100)
	page := boundedInt(q.Get("page"), 1, 1, 1000)
	var hits []searchHit
	err := sdk.EachKV(h, nsCrates, "", maxSearchScan, func(kv sdk.KVEntry) error {
		var s crateSummary
		if json.Unmarshal(kv.Value, &s) == nil &&
			(term == "" || strings.Contains(kv.Key, term) || strings.Contains(strings.ToLower(s.Description), term)) {
			hits = append(hits, searchHit{Name: s.Name, MaxVersion: s.MaxVersion, Description: s.Description})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(hits, func(i, j int) bool {
		ei, ej := strings.ToLower(hits[i].Name) == term, strings.ToLower(hits[j].Name) == term
		if ei != ej {
			return ei
		}
		return strings.ToLower(hits[i].Name) < strings.ToLower(hits[j].Name)
	})
	total := len(hits)
	start := min((page-1)*perPage, total)
	out := hits[start:min(start+perPage, total)]
	if out == nil {
		out = []searchHit{}
	}
	b, _ := json.Marshal(map[string]any{"crates": out, "meta": map[string]int{"total": total}})
	return jsonResponse(200, b), nil
}

func boundedInt(s string, def, lo, hi int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return max(lo, min(n, hi))
}
