package conan

import (
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// maxPattern bounds the q of a search; maxResults the references answered.
const (
	maxPattern = 256
	maxResults = 10000
)

// searchRecipes answers GET v2/conans/search?q=PATTERN[&ignorecase=False]
// ({"results": [reference, …]}). PATTERN is an fnmatch pattern (* and ?)
// matched, as RecipeReference.partial_match does (conans/model/
// recipe_ref.py), against "name", "name/version", "name/version@user" and
// "name/version@user/channel"; case is ignored unless ignorecase=False.
func searchRecipes(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if r := req.Repo; r != nil && (r.Kind == "remote" || r.Kind == "virtual") {
		// The host answers from the upstream or the members' searches,
		// joined by Merge (dispatch.UpstreamQueryHeader).
		return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Headers: []sdk.Header{{Name: "X-Keeper-Upstream", Value: "query"}}}, nil
	}
	q, err := url.ParseQuery(req.RawQuery)
	if err != nil {
		return conanError(400, "malformed query string"), nil
	}
	pattern := q.Get("q")
	if len(pattern) > maxPattern {
		return conanError(400, "search pattern longer than 256 characters"), nil
	}
	fold := !strings.EqualFold(q.Get("ignorecase"), "false")
	if fold {
		pattern = strings.ToLower(pattern)
	}
	prefix := ""
	if !fold {
		prefix = pattern[:strings.IndexAny(pattern+"*", "*?")]
		if i := strings.IndexByte(prefix, '/'); i >= 0 {
			prefix = prefix[:i]
		}
	}
	b := []byte(`{"results":[`)
	n := 0
	err = sdk.EachPackage(h, prefix, maxEntries, func(p sdk.PackageInfo) error {
		if n >= maxResults || (pattern != "" && !partialMatch(p.Name, pattern, fold)) {
			return nil
		}
		// A reference whose revisions were all removed is no result.
		if vs, err := h.ListVersions(p.Name, "", 1); err != nil || len(vs) == 0 {
			return err
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = sdk.AppendJSONString(b, p.Name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return jsonResponse(200, append(b, "]}"...)), nil
}

// partialMatch reports whether pattern matches a leading part of the
// reference ending at a field boundary.
func partialMatch(reference, pattern string, fold bool) bool {
	if fold {
		reference = strings.ToLower(reference)
	}
	if glob(pattern, reference) {
		return true
	}
	for i := 0; i < len(reference); i++ {
		if (reference[i] == '/' || reference[i] == '@') && glob(pattern, reference[:i]) {
			return true
		}
	}
	return false
}

// glob matches s against an fnmatch pattern of literals, * and ?, in time
// linear in len(pattern)*len(s) (no backtracking blow-up).
func glob(pattern, s string) bool {
	px, sx := 0, 0
	starP, starS := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]) && pattern[px] != '*':
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			starP, starS = px, sx
			px++
		case starP >= 0:
			starS++
			px, sx = starP+1, starS
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}
