package composer

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// records returns a package's versions (dev or tagged), newest first.
func records(h sdk.Host, name string) (tagged, dev []stored, err error) {
	err = sdk.EachVersion(h, name, maxVersions, func(v sdk.VersionInfo) error {
		var r record
		if json.Unmarshal(v.Metadata, &r) == nil && r.Name == name {
			s := stored{record: r, created: v.CreatedMs}
			if r.Dev {
				dev = append(dev, s)
			} else {
				tagged = append(tagged, s)
			}
		}
		return nil
	})
	for _, l := range [][]stored{tagged, dev} {
		sort.SliceStable(l, func(i, j int) bool { return compareNorm(l[i].Norm, l[j].Norm) > 0 })
	}
	return tagged, dev, err
}

type stored struct {
	record
	created int64
}

// versionObject renders one version of the composer 2 format: the copied
// composer.json fields plus name, version, version_normalized, time and an
// absolute dist with its sha1 (composer checks it).
func versionObject(base string, s stored) map[string]json.RawMessage {
	obj := make(map[string]json.RawMessage, len(s.Fields)+5)
	for k, v := range s.Fields {
		obj[k] = v
	}
	obj["name"] = marshal(s.Name)
	obj["version"] = marshal(s.Version)
	obj["version_normalized"] = marshal(s.Norm)
	if t, _, ok := sdk.AppendUTC(nil, s.created); ok {
		obj["time"] = marshal(string(t) + "+00:00")
	}
	obj["dist"] = marshal(map[string]string{"type": "zip", "url": base + "/" + s.Path, "reference": s.SHA1, "shasum": s.SHA1})
	return obj
}

func marshal(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimRight(b.Bytes(), "\n")
}

// minify applies composer/metadata-minifier's format: the first version
// whole, each next one only with the keys that changed, a key that
// disappeared as "__unset".
func minify(versions []map[string]json.RawMessage) []map[string]json.RawMessage {
	out := make([]map[string]json.RawMessage, 0, len(versions))
	var prev map[string]json.RawMessage
	for _, v := range versions {
		if prev == nil {
			out = append(out, v)
			prev = v
			continue
		}
		diff := map[string]json.RawMessage{}
		for k, x := range v {
			if p, ok := prev[k]; !ok || !bytes.Equal(p, x) {
				diff[k] = x
			}
		}
		for k := range prev {
			if _, ok := v[k]; !ok {
				diff[k] = json.RawMessage(`"__unset"`)
			}
		}
		out = append(out, diff)
		prev = v
	}
	return out
}

// serveP2 answers p2/{vendor}/{name}.json (tagged) and ~dev.json (dev):
// assembled by the host, every version complete (assembled.go), or when a
// version was stored before that, minified by the guest.
func serveP2(h sdk.Host, repo *sdk.RepoContext, name string, dev bool) (*sdk.Response, error) {
	if !nameRe.MatchString(name) {
		return jsonError(404, "not found"), nil
	}
	if a, found, ok := assembledP2(h, repo.BaseURL, name, dev); ok {
		if !found {
			return jsonError(404, "package "+name+" not found"), nil
		}
		r := sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: "application/json"})
		r.CacheTTLMs = indexTTLMs
		return r, nil
	}
	ft, fd, ok, err := fastRecords(h, name)
	if err != nil {
		return nil, err
	}
	if ok {
		if len(ft) == 0 && len(fd) == 0 {
			return jsonError(404, "package "+name+" not found"), nil
		}
		list := ft
		if dev {
			list = fd
		}
		if body, ok := fastP2(repo.BaseURL, name, list); ok {
			return jsonResponse(200, body, indexTTLMs), nil
		}
	}
	tagged, devs, err := records(h, name)
	if err != nil {
		return nil, err
	}
	if len(tagged) == 0 && len(devs) == 0 {
		return jsonError(404, "package "+name+" not found"), nil
	}
	list := tagged
	if dev {
		list = devs
	}
	return jsonResponse(200, renderP2(repo.BaseURL, name, list), indexTTLMs), nil
}

// renderP2 is the p2 document of list (newest first) through encoding/json.
func renderP2(base, name string, list []stored) []byte {
	objs := make([]map[string]json.RawMessage, 0, len(list))
	for _, s := range list {
		objs = append(objs, versionObject(base, s))
	}
	doc := map[string]any{"packages": map[string]any{name: minify(objs)}, "minified": "composer/2.0"}
	return marshal(doc)
}

// serveRoot answers packages.json.
func serveRoot(h sdk.Host, repo *sdk.RepoContext) (*sdk.Response, error) {
	var names []string
	complete := true
	err := sdk.EachPackage(h, "", maxAvailable+1, func(p sdk.PackageInfo) error {
		if len(names) == maxAvailable {
			complete = false
			return nil
		}
		names = append(names, p.Name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	doc := map[string]any{
		"packages":     []any{},
		"metadata-url": repo.BaseURL + "/p2/%package%.json",
		"search":       repo.BaseURL + "/search.json?q=%query%&type=%type%",
	}
	if complete {
		if names == nil {
			names = []string{}
		}
		doc["available-packages"] = names
	}
	return jsonResponse(200, marshal(doc), indexTTLMs), nil
}

// search answers search.json?q=&type=&per_page=&page=: packages whose name
// or description contains q, newest version's description.
func search(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	q, err := url.ParseQuery(req.RawQuery)
	if err != nil {
		return jsonError(400, "the query is not valid"), nil
	}
	term := strings.ToLower(strings.TrimSpace(q.Get("q")))
	typ := q.Get("type")
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	if perPage <= 0 || perPage > 100 {
		perPage = 15
	}
	page, _ := strconv.Atoi(q.Get("page"))
	if page <= 0 {
		page = 1
	}
	type result struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		URL         string `json:"url"`
		Repository  string `json:"repository"`
		Downloads   int    `json:"downloads"`
		Favers      int    `json:"favers"`
	}
	var all []result
	err = sdk.EachPackage(h, "", maxSearchScan, func(p sdk.PackageInfo) error {
		tagged, devs, err := records(h, p.Name)
		if err != nil {
			return err
		}
		latest := append(tagged, devs...)
		if len(latest) == 0 {
			return nil
		}
		var desc, ptype string
		_ = json.Unmarshal(latest[0].Fields["description"], &desc)
		_ = json.Unmarshal(latest[0].Fields["type"], &ptype)
		if typ != "" && typ != ptype {
			return nil
		}
		if term != "" && !strings.Contains(p.Name, term) && !strings.Contains(strings.ToLower(desc), term) {
			return nil
		}
		all = append(all, result{Name: p.Name, Description: desc, URL: req.Repo.BaseURL + "/p2/" + p.Name + ".json"})
		return nil
	})
	if err != nil {
		return nil, err
	}
	start := min((page-1)*perPage, len(all))
	end := min(start+perPage, len(all))
	doc := map[string]any{"results": append([]result{}, all[start:end]...), "total": len(all)}
	if end < len(all) {
		v := url.Values{"q": {q.Get("q")}, "page": {strconv.Itoa(page + 1)}, "per_page": {strconv.Itoa(perPage)}}
		if typ != "" {
			v.Set("type", typ)
		}
		doc["next"] = req.Repo.BaseURL + "/search.json?" + v.Encode()
	}
	return jsonResponse(200, marshal(doc), indexTTLMs), nil
}

// compareNorm orders normalized versions: numeric parts, then stability
// (dev < alpha < beta < RC < stable < patch) and its number.
func compareNorm(a, b string) int {
	an, as, ak := splitNorm(a)
	bn, bs, bk := splitNorm(b)
	for i := 0; i < 4; i++ {
		if an[i] != bn[i] {
			return cmp(an[i], bn[i])
		}
	}
	if as != bs {
		return cmp(as, bs)
	}
	return cmp(ak, bk)
}

func cmp(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var stabilityRank = map[string]int{"dev": 0, "alpha": 1, "beta": 2, "RC": 3, "": 4, "patch": 5}

func splitNorm(v string) (nums [4]int, stab, num int) {
	main, suffix, _ := strings.Cut(v, "-")
	if strings.HasPrefix(v, "dev-") {
		return nums, -1, 0
	}
	for i, p := range strings.SplitN(main, ".", 4) {
		nums[i], _ = strconv.Atoi(p)
	}
	name := strings.TrimRight(suffix, "0123456789")
	stab = stabilityRank[name]
	num, _ = strconv.Atoi(suffix[len(name):])
	return nums, stab, num
}
