package oci

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// maxCatalogPage caps the names of one catalog page.
const maxCatalogPage = 1000

// repoPage is how many repository keys one list-repos call asks for.
const repoPage = 100

// catalog lists the names (`{repository}/{image}`, or the bare repository
// key for images pushed without an image part) of every Keeper repository of
// format oci that the caller may read, with n/last pagination and a Link
// header, https://distribution.github.io/distribution/spec/api/#catalog.
//
// Names come from the packages the plugin records for manifests (a
// manifest's package is its full name). They are ordered by repository key,
// then by name within the repository, which is lexical order with "/"
// sorting first; `last` resumes after a name in that order. The host lists
// only repositories the caller may read, so the answer depends on the caller
// and is never cached (no CacheTTL).
func catalog(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Method != "GET" && req.Method != "HEAD" {
		return ociError(405, codeUnsupported, "method "+req.Method+" not allowed on the catalog"), nil
	}
	q := query(req.RawQuery)
	n := maxCatalogPage
	if s := q.Get("n"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			return ociError(400, codeUnsupported, "invalid n "+strconv.Quote(s)), nil
		}
		n = min(v, maxCatalogPage)
	}
	last := q.Get("last")
	names := []string{}
	more := false
	if n > 0 {
		var err error
		names, more, err = catalogPage(h, last, n)
		if errors.Is(err, sdk.ErrNoImport) {
			return ociError(404, codeUnsupported, "this host cannot list repositories"), nil
		}
		if err != nil {
			return nil, err
		}
	}
	var hs []sdk.Header
	if more {
		v := url.Values{"n": {strconv.Itoa(n)}, "last": {names[len(names)-1]}}
		hs = append(hs, sdk.Header{Name: "Link", Value: "</v2/_catalog?" + v.Encode() + `>; rel="next"`})
	}
	return jsonResponse(200, "application/json", map[string][]string{"repositories": names}, hs...), nil
}

// catalogPage collects up to n names after last and reports whether more follow.
func catalogPage(h sdk.Host, last string, n int) ([]string, bool, error) {
	names := []string{}
	want := n + 1 // one more than asked: tells whether a next page exists
	// add lists the names of repository key after `after`; false when full.
	add := func(key, after string) (bool, error) {
		for len(names) < want {
			ps, err := sdk.ListRepoPackages(h, key, key, after, uint32(min(want-len(names), maxCatalogPage)))
			if err != nil {
				return false, err
			}
			for _, p := range ps {
				if p.Name == key || strings.HasPrefix(p.Name, key+"/") {
					names = append(names, p.Name)
				}
			}
			if len(ps) == 0 {
				break
			}
			after = ps[len(ps)-1].Name
		}
		return len(names) < want, nil
	}
	repoAfter := ""
	if last != "" {
		key, _, _ := strings.Cut(last, "/")
		repoAfter = key
		// An error other than a missing import: the repository of `last`
		// is gone or hidden now, so the walk goes on after it.
		if _, err := add(key, last); errors.Is(err, sdk.ErrNoImport) {
			return nil, false, err
		}
	}
	for len(names) < want {
		keys, err := sdk.ListRepos(h, repoAfter, repoPage)
		if err != nil {
			return nil, false, err
		}
		for _, k := range keys {
			// An error means the repository was deleted or hidden since it
			// was listed: it is skipped.
			if open, err := add(k, ""); err == nil && !open {
				break
			}
		}
		if len(keys) < repoPage {
			break
		}
		repoAfter = keys[len(keys)-1]
	}
	if len(names) > n {
		return names[:n], true, nil
	}
	return names, false, nil
}
