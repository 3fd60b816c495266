package vagrant

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Limits of a search: the boxes it reads, and the page size
// (the API's limit is 1..100, default 10).
const (
	maxSearchBoxes   = 10_000
	maxSearchLimit   = 100
	defaultPageLimit = 10
	maxSearchQuery   = 256
)

// search answers GET search?q=&provider=&sort=&order=&limit=&page=, what
// `vagrant cloud search` sends (vagrant_cloud 3.0 Client#search, Vagrant
// 2.3 plugins/commands/cloud/search.rb), with {"boxes": […]}: the boxes
// with a released version whose name (ORG/BOX) or description contains q
// (case-insensitive; every box when q is empty), whose released version
// has the provider when one is asked, each with current_version its
// newest released version. sort is "created" or "updated", order "desc"
// (default) or "asc"; "downloads", the default sort, lists by name
// (Keeper counts no downloads per box: every box has 0).
// https://developer.hashicorp.com/vagrant/vagrant-cloud/api/v2#search-for-boxes
func (c *cloudCall) search() (*sdk.Response, error) {
	qv, err := url.ParseQuery(c.req.RawQuery)
	if err != nil {
		return fail(400, "malformed query string"), nil
	}
	q, provider := strings.ToLower(qv.Get("q")), qv.Get("provider")
	if len(q) > maxSearchQuery || len(provider) > maxSearchQuery {
		return fail(400, "the query is longer than "+strconv.Itoa(maxSearchQuery)+" characters"), nil
	}
	limit, page := defaultPageLimit, 1
	if s := qv.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > maxSearchLimit {
			return fail(400, "limit must be 1 to "+strconv.Itoa(maxSearchLimit)), nil
		}
	}
	if s := qv.Get("page"); s != "" {
		if page, err = strconv.Atoi(s); err != nil || page < 1 || page > maxSearchBoxes {
			return fail(400, "page must be a positive number"), nil
		}
	}
	sortBy, order := qv.Get("sort"), qv.Get("order")
	if !slices.Contains([]string{"", "downloads", "created", "updated"}, sortBy) || !slices.Contains([]string{"", "desc", "asc"}, order) {
		return fail(400, "sort is downloads, created or updated; order is desc or asc"), nil
	}

	names := map[string]bool{}
	err = sdk.EachKV(c.h, cloudNS, "box:", maxSearchBoxes, func(e sdk.KVEntry) error {
		names[strings.TrimPrefix(e.Key, "box:")] = true
		return nil
	})
	if err == nil {
		err = sdk.EachPackage(c.h, "", maxSearchBoxes, func(p sdk.PackageInfo) error {
			names[p.Name] = true
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	var found []map[string]any
	for _, pkg := range sortedKeys(names) {
		st, ok, err := c.state(pkg)
		if err != nil {
			return nil, err
		}
		if !ok || q != "" && !strings.Contains(strings.ToLower(pkg), q) && !strings.Contains(strings.ToLower(st.desc), q) &&
			(st.rec == nil || !strings.Contains(strings.ToLower(st.rec.ShortDescription), q)) {
			continue
		}
		if b := c.searchResult(pkg, st, provider); b != nil {
			found = append(found, b)
		}
	}
	if sortBy == "created" || sortBy == "updated" {
		key := sortBy + "_at"
		slices.SortStableFunc(found, func(x, y map[string]any) int { return strings.Compare(x[key].(string), y[key].(string)) })
		if order != "asc" {
			slices.Reverse(found)
		}
	}
	from := min((page-1)*limit, len(found))
	boxes := found[from:min(from+limit, len(found))]
	if boxes == nil {
		boxes = []map[string]any{}
	}
	return jsonResponse(200, map[string]any{"boxes": boxes}, 0), nil
}

// searchResult is pkg as a search lists it, nil when it has no released
// version (with the provider, when one is asked).
func (c *cloudCall) searchResult(pkg string, st *boxState, provider string) map[string]any {
	out := c.boxJSON(pkg, st)
	for _, v := range out["versions"].([]map[string]any) {
		if v["status"] != "active" {
			continue
		}
		if provider != "" && !slices.ContainsFunc(v["providers"].([]map[string]any), func(p map[string]any) bool { return p["name"] == provider }) {
			return nil
		}
		out["current_version"], out["downloads"] = v, 0
		return out
	}
	return nil
}
