package nuget

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Search through remote and virtual repositories:
// https://learn.microsoft.com/en-us/nuget/api/search-query-service-resource
//
// A remote repository's search is its upstream's answer (cached by the host
// per canonical query, its URLs moved under the remote by Rewrite). A
// virtual repository asks every member the same search from the first
// result (skip=0, take=skip+take, at most maxTake) and mergeSearch pages
// the merged answer, so a page of the virtual is a page of the merge, not
// a merge of the members' pages.

// maxTake bounds take (NuGet's own search allows at most 1000 a page).
const maxTake = 1000

// searchPage is a search's skip and take, as search reads them.
func searchPage(q url.Values) (skip, take int) {
	skip, _ = strconv.Atoi(q.Get("skip"))
	take, err := strconv.Atoi(q.Get("take"))
	if err != nil || take <= 0 || take > maxTake {
		take = 20
	}
	return max(skip, 0), take
}

// upstreamSearch is the answer that asks the host for the upstream's (a
// remote's) or the members' (a virtual's) search answer; nil for a local
// repository or a search without a query, which the plugin answers itself.
func upstreamSearch(req *sdk.Request, q url.Values) *sdk.Response {
	if req.RawQuery == "" || req.Repo.Kind != "remote" && req.Repo.Kind != "virtual" {
		return nil
	}
	hs := []sdk.Header{{Name: "X-Keeper-Upstream", Value: "query"}}
	if req.Repo.Kind == "virtual" {
		skip, take := searchPage(q)
		m := url.Values{}
		for k, v := range q {
			m[k] = v
		}
		m.Set("skip", "0")
		m.Set("take", strconv.Itoa(min(skip+take, maxTake)))
		hs = append(hs, sdk.Header{Name: "X-Keeper-Upstream-Query", Value: m.Encode()})
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Headers: hs}
}

// searchAnswer is a search response: totalHits and the results in order,
// each kept as the member sent it.
type searchAnswer struct {
	TotalHits int               `json:"totalHits"`
	Data      []json.RawMessage `json:"data"`
}

// mergeSearch merges the members' answers to one search (highest priority
// first) and pages the result with the client's skip and take (in the
// query of path). A package id appears once, as the highest-priority
// member that found it answered it (the rule every NuGet document of a
// virtual follows). totalHits is the members' sum less the duplicates
// seen: exact when every member's answer holds all its hits, otherwise
// an upper bound (a duplicate past a member's first skip+take results is
// not seen; members are not asked for more than the page needs). The page
// itself is exact: the merged list's first skip+take entries need no
// member's entry past its first skip+take. A member's answer that is not
// a search response fails the merge.
func mergeSearch(path string, docs [][]byte) ([]byte, error) {
	_, raw, _ := strings.Cut(path, "?")
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("nuget: search query: %w", err)
	}
	skip, take := searchPage(q)
	seen := map[string]bool{}
	total := 0
	data := []json.RawMessage{}
	for i, d := range docs {
		var a searchAnswer
		if err := json.Unmarshal(d, &a); err != nil {
			return nil, fmt.Errorf("nuget: member %d's search answer is not a search response: %w", i+1, err)
		}
		total += max(a.TotalHits, len(a.Data))
		for _, item := range a.Data {
			var id struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(item, &id); err != nil || id.ID == "" {
				return nil, fmt.Errorf("nuget: member %d's search answer has a result without an id", i+1)
			}
			lid := strings.ToLower(id.ID)
			if seen[lid] {
				total--
				continue
			}
			seen[lid] = true
			data = append(data, item)
		}
	}
	data = data[min(skip, len(data)):]
	data = data[:min(take, len(data))]
	var b bytes.Buffer
	b.WriteString(`{"totalHits":` + strconv.Itoa(total) + `,"data":[`)
	for i, item := range data {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(item)
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}
