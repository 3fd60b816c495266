package meili_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// fakeMeili implements the part of Meilisearch's HTTP API the adapter uses,
// with the documented request and response bodies
// (https://www.meilisearch.com/docs/reference/api/overview):
//
//	POST   /indexes                               create (task; index_already_exists when it does)
//	DELETE /indexes/{uid}                         delete (task)
//	PATCH  /indexes/{uid}/settings                settings (task)
//	POST   /indexes/{uid}/documents               add or replace (task)
//	POST   /indexes/{uid}/documents/delete-batch  delete by ids (task)
//	POST   /indexes/{uid}/documents/delete        delete by filter (task)
//	POST   /indexes/{uid}/search                  q, filter, facets, sort, page/hitsPerPage, offset/limit,
//	                                              matchingStrategy, attributesToRetrieve, showRankingScore
//	GET    /tasks/{uid}                           task status
//
// Tasks run synchronously: the summary says "enqueued", GET /tasks says
// "succeeded" or "failed" with an error object. Search follows the
// documented rules the adapter relies on: every query word must match
// (matchingStrategy "all"), the last word also as a prefix, one typo from 5
// letters and two from 9, ranking by typos, then the searchable attribute
// order, then exactness; filters only on filterable attributes with
// "=", "IN [...]" and "AND" (the filter expression reference), sort only
// on sortable ones.
type fakeMeili struct {
	key string

	mu      sync.Mutex
	indexes map[string]*fakeIndex
	tasks   []map[string]any
}

type fakeIndex struct {
	primaryKey string
	settings   map[string]any
	docs       map[string]map[string]any
	order      []string // insertion order, the last tie-breaker
}

func newFakeMeili(key string) *fakeMeili {
	return &fakeMeili{key: key, indexes: map[string]*fakeIndex{}}
}

func meiliError(w http.ResponseWriter, status int, code, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg, "code": code, "type": typ,
		"link": "https://docs.meilisearch.com/errors#" + code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// task records a finished task and answers with its summary (202).
func (f *fakeMeili) task(w http.ResponseWriter, index, typ string, fail map[string]any) {
	uid := len(f.tasks)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	t := map[string]any{"uid": uid, "indexUid": index, "type": typ, "status": "succeeded",
		"enqueuedAt": now, "startedAt": now, "finishedAt": now, "duration": "PT0S", "details": map[string]any{}}
	if fail != nil {
		t["status"], t["error"] = "failed", fail
	}
	f.tasks = append(f.tasks, t)
	writeJSON(w, http.StatusAccepted, map[string]any{"taskUid": uid, "indexUid": index, "status": "enqueued", "type": typ, "enqueuedAt": now})
}

var (
	reIndexes  = regexp.MustCompile(`^/indexes$`)
	reIndex    = regexp.MustCompile(`^/indexes/([A-Za-z0-9_-]+)(/.*)?$`)
	reTask     = regexp.MustCompile(`^/tasks/([0-9]+)$`)
	errNoIndex = "index_not_found"
)

func (f *fakeMeili) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch auth := r.Header.Get("Authorization"); {
	case f.key == "":
	case auth == "":
		meiliError(w, http.StatusUnauthorized, "missing_authorization_header", "auth", "The Authorization header is missing.")
		return
	case auth != "Bearer "+f.key:
		meiliError(w, http.StatusForbidden, "invalid_api_key", "auth", "The provided API key is invalid.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var body any
	if r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodDelete {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			meiliError(w, http.StatusBadRequest, "bad_request", "invalid_request", "The request body is not valid JSON: "+err.Error())
			return
		}
	}
	switch p := r.URL.Path; {
	case reTask.MatchString(p) && r.Method == http.MethodGet:
		uid, _ := strconv.Atoi(reTask.FindStringSubmatch(p)[1])
		if uid >= len(f.tasks) {
			meiliError(w, http.StatusNotFound, "task_not_found", "invalid_request", "Task not found.")
			return
		}
		writeJSON(w, http.StatusOK, f.tasks[uid])
	case reIndexes.MatchString(p) && r.Method == http.MethodPost:
		m, _ := body.(map[string]any)
		uid, _ := m["uid"].(string)
		if _, ok := f.indexes[uid]; ok {
			f.task(w, uid, "indexCreation", map[string]any{"message": "Index `" + uid + "` already exists.",
				"code": "index_already_exists", "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#index_already_exists"})
			return
		}
		pk, _ := m["primaryKey"].(string)
		f.indexes[uid] = &fakeIndex{primaryKey: pk, settings: map[string]any{}, docs: map[string]map[string]any{}}
		f.task(w, uid, "indexCreation", nil)
	case reIndex.MatchString(p):
		sub := reIndex.FindStringSubmatch(p)
		ix, ok := f.indexes[sub[1]]
		if !ok && !(r.Method == http.MethodPost && sub[2] == "/documents") {
			meiliError(w, http.StatusNotFound, errNoIndex, "invalid_request", "Index `"+sub[1]+"` not found.")
			return
		}
		f.index(w, r, sub[1], ix, sub[2], body)
	default:
		meiliError(w, http.StatusNotFound, "not_found", "invalid_request", "Not found: "+r.Method+" "+p)
	}
}

func (f *fakeMeili) index(w http.ResponseWriter, r *http.Request, uid string, ix *fakeIndex, path string, body any) {
	switch {
	case path == "" && r.Method == http.MethodDelete:
		delete(f.indexes, uid)
		f.task(w, uid, "indexDeletion", nil)
	case path == "/settings" && r.Method == http.MethodPatch:
		m, _ := body.(map[string]any)
		for k, v := range m {
			ix.settings[k] = v
		}
		f.task(w, uid, "settingsUpdate", nil)
	case path == "/documents" && r.Method == http.MethodPost:
		if ix == nil { // adding documents creates a missing index
			ix = &fakeIndex{primaryKey: r.URL.Query().Get("primaryKey"), settings: map[string]any{}, docs: map[string]map[string]any{}}
			f.indexes[uid] = ix
		}
		docs, _ := body.([]any)
		for _, d := range docs {
			doc, _ := d.(map[string]any)
			id := fmt.Sprint(doc[ix.primaryKey])
			if _, ok := ix.docs[id]; !ok {
				ix.order = append(ix.order, id)
			}
			ix.docs[id] = doc
		}
		f.task(w, uid, "documentAdditionOrUpdate", nil)
	case path == "/documents/delete-batch" && r.Method == http.MethodPost:
		ids, _ := body.([]any)
		for _, id := range ids {
			ix.remove(fmt.Sprint(id))
		}
		f.task(w, uid, "documentDeletion", nil)
	case path == "/documents/delete" && r.Method == http.MethodPost:
		m, _ := body.(map[string]any)
		filter, _ := m["filter"].(string)
		match, err := ix.parseFilter(filter)
		if err != nil {
			f.task(w, uid, "documentDeletion", map[string]any{"message": err.Error(), "code": "invalid_document_filter", "type": "invalid_request"})
			return
		}
		for _, id := range slices.Clone(ix.order) {
			if match(ix.docs[id]) {
				ix.remove(id)
			}
		}
		f.task(w, uid, "documentDeletion", nil)
	case path == "/search" && r.Method == http.MethodPost:
		m, _ := body.(map[string]any)
		ix.search(w, m)
	default:
		meiliError(w, http.StatusNotFound, "not_found", "invalid_request", "Not found: "+r.Method+" "+path)
	}
}

func (ix *fakeIndex) remove(id string) {
	if _, ok := ix.docs[id]; ok {
		delete(ix.docs, id)
		ix.order = slices.DeleteFunc(ix.order, func(s string) bool { return s == id })
	}
}

func (ix *fakeIndex) attrs(setting string) []string {
	var out []string
	list, _ := ix.settings[setting].([]any)
	for _, a := range list {
		out = append(out, fmt.Sprint(a))
	}
	return out
}

var filterPart = regexp.MustCompile(`^\s*([A-Za-z_]+)\s*(=\s*(?:"([^"]*)"|([0-9]+))|IN\s*\[([^\]]*)\])\s*$`)

// parseFilter supports "attr = value", "attr IN [v, …]" joined by AND, on
// filterable attributes only (as the filter expression reference says).
func (ix *fakeIndex) parseFilter(filter string) (func(map[string]any) bool, error) {
	if strings.TrimSpace(filter) == "" {
		return func(map[string]any) bool { return true }, nil
	}
	var tests []func(map[string]any) bool
	for _, part := range strings.Split(filter, " AND ") {
		m := filterPart.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("invalid filter expression %q", part)
		}
		attr := m[1]
		if !slices.Contains(ix.attrs("filterableAttributes"), attr) {
			return nil, fmt.Errorf("attribute `%s` is not filterable", attr)
		}
		var values []string
		switch {
		case m[5] != "" || strings.HasPrefix(strings.TrimSpace(m[2]), "IN"):
			for _, v := range strings.Split(m[5], ",") {
				if v = strings.Trim(strings.TrimSpace(v), `"`); v != "" {
					values = append(values, v)
				}
			}
		case m[4] != "":
			values = []string{m[4]}
		default:
			values = []string{m[3]}
		}
		tests = append(tests, func(d map[string]any) bool {
			for _, have := range scalarValues(d[attr]) {
				if slices.Contains(values, have) {
					return true
				}
			}
			return false
		})
	}
	return func(d map[string]any) bool {
		for _, t := range tests {
			if !t(d) {
				return false
			}
		}
		return true
	}, nil
}

// scalarValues renders a field as strings (an array gives each element).
func scalarValues(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, scalarValues(e)...)
		}
		return out
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}
	default:
		return []string{fmt.Sprint(x)}
	}
}

func tokens(s string) []string {
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(strings.ToLower(s)))
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// distance is the edit distance with adjacent transpositions counting as
// one typo (as Meilisearch counts them), capped at 3.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return min(d[len(ra)][len(rb)], 3)
}

type scored struct {
	id                   string
	typos, attr, inexact int
}

// match scores doc against the query words; ok is false when a word matches nothing.
func (ix *fakeIndex) match(doc map[string]any, words []string) (scored, bool) {
	var s scored
	searchable := ix.attrs("searchableAttributes")
	for wi, w := range words {
		last := wi == len(words)-1
		allowed := 0
		switch n := len([]rune(w)); {
		case n >= 9:
			allowed = 2
		case n >= 5:
			allowed = 1
		}
		best, bestAttr, exact := 99, 99, false
		for ai, attr := range searchable {
			for _, v := range scalarValues(doc[attr]) {
				for _, t := range tokens(v) {
					typos := distance(w, t)
					if last && strings.HasPrefix(t, w) {
						typos = 0
					}
					if typos > allowed {
						continue
					}
					if typos < best || (typos == best && ai < bestAttr) {
						best, bestAttr, exact = typos, ai, t == w
					}
				}
			}
		}
		if best == 99 {
			return s, false
		}
		s.typos += best
		s.attr = max(s.attr, bestAttr)
		if wi == 0 || bestAttr < s.attr {
			s.attr = bestAttr
		}
		if !exact {
			s.inexact++
		}
	}
	return s, true
}

func (ix *fakeIndex) search(w http.ResponseWriter, req map[string]any) {
	q, _ := req["q"].(string)
	filter, _ := req["filter"].(string)
	match, err := ix.parseFilter(filter)
	if err != nil {
		meiliError(w, http.StatusBadRequest, "invalid_search_filter", "invalid_request", err.Error())
		return
	}
	var sortBy []string
	for _, s := range scalarValues(req["sort"]) {
		attr, dir, _ := strings.Cut(s, ":")
		if !slices.Contains(ix.attrs("sortableAttributes"), attr) || (dir != "asc" && dir != "desc") {
			meiliError(w, http.StatusBadRequest, "invalid_search_sort", "invalid_request", "Attribute `"+attr+"` is not sortable.")
			return
		}
		sortBy = append(sortBy, s)
	}
	facets := scalarValues(req["facets"])
	for _, a := range facets {
		if !slices.Contains(ix.attrs("filterableAttributes"), a) {
			meiliError(w, http.StatusBadRequest, "invalid_search_facets", "invalid_request", "Attribute `"+a+"` is not filterable.")
			return
		}
	}
	words := tokens(q)
	var hits []scored
	for _, id := range ix.order {
		doc := ix.docs[id]
		if !match(doc) {
			continue
		}
		s, ok := ix.match(doc, words)
		if !ok {
			continue
		}
		s.id = id
		hits = append(hits, s)
	}
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.typos != b.typos {
			return a.typos < b.typos
		}
		if a.attr != b.attr {
			return a.attr < b.attr
		}
		if a.inexact != b.inexact {
			return a.inexact < b.inexact
		}
		for _, s := range sortBy {
			attr, dir, _ := strings.Cut(s, ":")
			va, vb := fmt.Sprint(ix.docs[a.id][attr]), fmt.Sprint(ix.docs[b.id][attr])
			if va != vb {
				return (va < vb) == (dir == "asc")
			}
		}
		return false
	})
	dist := map[string]map[string]int{}
	for _, a := range facets {
		dist[a] = map[string]int{}
		for _, h := range hits {
			for _, v := range scalarValues(ix.docs[h.id][a]) {
				dist[a][v]++
			}
		}
	}
	resp := map[string]any{"query": q, "processingTimeMs": 0}
	if len(facets) > 0 {
		resp["facetDistribution"] = dist
	}
	from, size := 0, 20
	if hpp, ok := req["hitsPerPage"].(float64); ok || req["page"] != nil {
		page := 1
		if p, ok := req["page"].(float64); ok {
			page = int(p)
		}
		if !ok {
			hpp = 20
		}
		from, size = (page-1)*int(hpp), int(hpp)
		resp["page"], resp["hitsPerPage"], resp["totalHits"] = page, int(hpp), len(hits)
		resp["totalPages"] = int(math.Ceil(float64(len(hits)) / math.Max(hpp, 1)))
	} else {
		if o, ok := req["offset"].(float64); ok {
			from = int(o)
		}
		if l, ok := req["limit"].(float64); ok {
			size = int(l)
		}
		resp["offset"], resp["limit"], resp["estimatedTotalHits"] = from, size, len(hits)
	}
	retrieve := scalarValues(req["attributesToRetrieve"])
	out := []map[string]any{}
	for i := from; i < len(hits) && i < from+size; i++ {
		doc := map[string]any{}
		for k, v := range ix.docs[hits[i].id] {
			if len(retrieve) == 0 || slices.Contains(retrieve, k) || slices.Contains(retrieve, "*") {
				doc[k] = v
			}
		}
		if req["showRankingScore"] == true {
			doc["_rankingScore"] = 1 / float64(1+hits[i].typos+hits[i].attr+hits[i].inexact)
		}
		out = append(out, doc)
	}
	resp["hits"] = out
	writeJSON(w, http.StatusOK, resp)
}
