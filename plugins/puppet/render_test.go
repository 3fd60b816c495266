package puppet

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"net/url"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// records are stored release records: what publish stores and forms
// another writer could leave (escapes, HTML characters, unicode, case-folded
// or repeated keys, other types, white space, invalid JSON).
func records(rng *rand.Rand) []string {
	md := metadataJSON("keeper-demo", "1.0.0", "keeper-base")
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	str := func() string {
		return pick(`"keeper"`, `"demo"`, `"a\u0041"`, `"<b>&"`, `"é"`, `"x y"`, `""`, `"\n"`, `5`, `null`, `"a\/b"`, `"\u2028"`)
	}
	meta := func() string {
		return pick(md, `{}`, `null`, `[1]`, `"s"`, `{"tags":null}`, `{"tags":["a","b"]}`, `{"tags":[]}`, `{"tags":"x"}`,
			`{"tags":["<x>"]}`, `{"tags":["\u0041"]}`, `{"tags":[1]}`, `{"Tags":["a"]}`, `{"tags":["a"],"tags":["b"]}`,
			`{ "tags" : [ "a" , "b" ] , "x" : "<&>" }`, `{"tags":["é"],"summary":"\u2028"}`, `{"tags":["a"],"x":[1,{"y":null}]}`)
	}
	var out []string
	for i := 0; i < 40; i++ {
		members := []string{`"owner":` + str(), `"name":` + str(), `"version":` + pick(`"1.0.0"`, `"1.0.0-rc.1"`, str()),
			`"file_size":` + pick(`1000`, `0`, `01`, `1e3`, `-1`, `1.5`, `"7"`, `18446744073709551615`, `99999999999999999999`),
			`"file_sha256":` + pick(`"`+strings.Repeat("ab", 32)+`"`, str()), `"file_md5":` + pick(`"`+strings.Repeat("c", 32)+`"`, str()),
			`"metadata":` + meta()}
		if rng.Intn(4) == 0 {
			members = append(members, pick(`"OWNER":"x"`, `"extra":{"a":[1,2]}`, `"owner":"again"`))
		}
		if rng.Intn(6) == 0 {
			members = members[1:]
		}
		rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		out = append(out, "{"+strings.Join(members, pick(",", " , ", ",\n"))+"}")
	}
	plain, _ := json.Marshal(releaseMeta{Owner: "keeper", Name: "demo", Version: "1.2.3", Size: 42, SHA256: "s", MD5: "m", Metadata: json.RawMessage(md)})
	return append(out, string(plain), `not json`, `{}`, ``)
}

// TestReleaseObjectsMatchReleaseDoc renders generated records one by one,
// together and with every exclude set both ways: releaseObjects against
// json.Marshal(releaseDoc), the page against json.Marshal(q.page).
func TestReleaseObjectsMatchReleaseDoc(t *testing.T) {
	h := fakehost.New(&sdk.RepoContext{Key: "r", Format: "puppet"})
	rng := rand.New(rand.NewSource(12))
	fast := 0
	for round := 0; round < 50; round++ {
		recs := records(rng)
		raws, created := make([][]byte, len(recs)), make([]int64, len(recs))
		for i, r := range recs {
			raws[i], created[i] = []byte(r), rng.Int63n(4e12)-1e12
		}
		ex := map[string]bool{}
		for _, k := range []string{"metadata", "readme", "module", "tags", "changelog", "version", "uri"} {
			if rng.Intn(3) == 0 {
				ex[k] = true
			}
		}
		for _, e := range []map[string]bool{nil, ex} {
			got, err := releaseObjects(h, raws, created, e)
			if err != nil {
				t.Fatal(err)
			}
			var want []map[string]any
			for i := range raws {
				r := release{raw: raws[i], createdMs: created[i]}
				want = append(want, releaseDoc(&r, e))
				w, _ := json.Marshal(want[i])
				if !bytes.Equal(got[i], w) {
					t.Fatalf("record %s:\n got %s\nwant %s", raws[i], got[i], w)
				}
				if _, ok := fastRelease(mustMembers(t, h, raws[i])); ok {
					fast++
				}
			}
			vals := url.Values{"module": {"keeper-demo"}, "exclude_fields": {"a,b&c"}}
			q := query{values: vals, limit: 1 + rng.Intn(30), offset: rng.Intn(60)}
			total := len(raws) + rng.Intn(50)
			w, _ := json.Marshal(q.page("/v3/releases", []string{"module", "exclude_fields"}, total, want))
			if g := q.appendPage(nil, "/v3/releases", []string{"module", "exclude_fields"}, total, got); !bytes.Equal(g, w) {
				t.Fatalf("page:\n got %s\nwant %s", g, w)
			}
		}
	}
	if fast == 0 {
		t.Fatal("no record took the hand-written path")
	}
	q := query{values: url.Values{}, limit: 20}
	w, _ := json.Marshal(q.page("/v3/releases", nil, 0, []map[string]any{}))
	if g := q.appendPage(nil, "/v3/releases", nil, 0, [][]byte{}); !bytes.Equal(g, w) {
		t.Fatalf("empty page:\n got %s\nwant %s", g, w)
	}
}

func mustMembers(t *testing.T, h sdk.Host, raw []byte) (*sdk.Members, *sdk.Members, int, int64, map[string]bool) {
	m, err := sdk.JSONMembers(h, [][]byte{raw}, recordKeys, sdk.MemberCompactHTML)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := sdk.JSONMembers(h, [][]byte{m.Value(0, kMetadata)}, []string{"tags"}, sdk.MemberCompactHTML)
	if err != nil {
		t.Fatal(err)
	}
	return &m, &tags, 0, 0, nil
}
