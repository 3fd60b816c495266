package composer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

const base = "http://h/composer/php"

// bothWays renders name's tagged and dev documents with fastP2 and with
// renderP2; fast is false when the fast path declined.
func bothWays(t *testing.T, h sdk.Host, name string) (fast bool) {
	t.Helper()
	ft, fd, ok, err := fastRecords(h, name)
	if err != nil {
		t.Fatal(err)
	}
	tagged, devs, err := records(h, name)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return false
	}
	fast = true
	for i, pair := range [][2]any{{ft, tagged}, {fd, devs}} {
		got, ok := fastP2(base, name, pair[0].([]*fastRecord))
		if !ok {
			fast = false
			continue
		}
		want := renderP2(base, name, pair[1].([]stored))
		if !bytes.Equal(got, want) {
			t.Fatalf("document %d differs:\nfast %s\nwant %s", i, got, want)
		}
	}
	return fast
}

func hostWith(metas ...string) *fakehost.Host {
	h := fakehost.New(nil)
	for i, m := range metas {
		h.Versions[fmt.Sprintf("v/p\x00%d", i)] = sdk.VersionInfo{Package: "v/p", Version: fmt.Sprint(i),
			Metadata: []byte(m), CreatedMs: 1767312000000 + int64(i)*3_600_123}
	}
	return h
}

func rec(version string, dev bool, fields map[string]any) string {
	norm, _, _ := normalizeVersion(version)
	r := record{Name: "v/p", Version: version, Norm: norm, Dev: dev, Fields: map[string]json.RawMessage{},
		Path: distPath("v/p", version), SHA1: fmt.Sprintf("%040x", len(version))}
	for k, v := range fields {
		r.Fields[k], _ = json.Marshal(v)
	}
	b, _ := json.Marshal(r)
	return string(b)
}

// TestFastP2MatchesRender: regular and irregular records, HTML
// characters, unicode, escapes, removed and changed keys.
func TestFastP2MatchesRender(t *testing.T) {
	common := map[string]any{"type": "library", "license": []string{"MIT"}, "description": "a <b>&</b> \"q\" é \u2028 \\"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range common {
			m[a] = b
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	regular := []struct {
		name  string
		metas []string
	}{
		{"none", nil},
		{"one", []string{rec("1.0.0", false, common)}},
		{"empty fields", []string{rec("1.0.0", false, nil), rec("1.1.0", false, nil)}},
		{"dev and tagged", []string{rec("1.0.0", false, common), rec("dev-main", true, common), rec("1.x-dev", true, with("type", "x"))}},
		{"changes and unsets", []string{rec("1.0.0", false, common), rec("2.0.0-beta1", false, with("license", nil)),
			rec("2.0.0", false, with("require", map[string]string{"php": ">=8"})), rec("1.5.0", false, with("extra", map[string]any{"a": []any{1.5, -2e3, true, nil}}))}},
		{"other package", []string{rec("1.0.0", false, common), strings.Replace(rec("1.2.0", false, common), `"v/p"`, `"v/q"`, 1)}},
		{"fields named like members", []string{rec("1.0.0", false, with("name", "x")), rec("1.1.0", false, with("dist", 1))}},
		{"dev false", []string{strings.Replace(rec("1.0.0", false, common), `,"fields"`, `,"dev":false,"fields"`, 1)}},
		{"members in another order, some absent", []string{`{"fields":{"type":"library"},"name":"v/p","norm":"1.0.0.0","path":"a/b.zip","sha1":"ab","version":"1.0.0"}`,
			`{"version":"2.0.0","sha1":"cd","name":"v/p","dev":false,"norm":"2.0.0.0"}`}},
		{"escaped field value", []string{rec("1.0.0", false, with("description", "line\nbreak\t\u0001 \\u"))}},
	}
	for _, c := range regular {
		t.Run(c.name, func(t *testing.T) {
			if !bothWays(t, hostWith(c.metas...), "v/p") {
				t.Fatal("the fast path declined a regular package")
			}
		})
	}
	irregular := []string{
		`{"name": "v/p","version":"1","norm":"1.0.0.0","fields":{},"path":"a","sha1":"b"}`,
		`{"name":"v/p","version":"1","norm":"1.0.0.0","fields":{"a": 1},"path":"a","sha1":"b"}`,
		`{"name":"v/p","version":"1","norm":"1.0.0.0","fields":{"a":[1, 2]},"path":"a","sha1":"b"}`,
		`{"name":"v/p","version":"1\u0041","norm":"1.0.0.0","fields":{},"path":"a","sha1":"b"}`,
		`{"name":"v/p","version":"1","norm":"1.0.0.0","fields":{},"path":"a","sha1":"b","x":1}`,
		`{"name":"v/p","version":"1","norm":"1.0.0.0","fields":{"a":1,"a":2},"path":"a","sha1":"b"}`,
		`{"Name":"v/p","version":"1","norm":"1.0.0.0","fields":{},"path":"a","sha1":"b"}`,
		`{"name":"v/p","version":"1","norm":"1.0.0.0","fields":{"a":01},"path":"a","sha1":"b"}`,
		`{"name":"v/p","version":"1","norm":"1.0.0.0","fields":{},"path":"a","sha1":"b"}` + " ",
		"{\"name\":\"v/p\",\"version\":\"1\xff\",\"norm\":\"1.0.0.0\",\"fields\":{},\"path\":\"a\",\"sha1\":\"b\"}",
		`not json`,
		`{"name":"v/p","name":"v/p","version":"1","norm":"1.0.0.0","fields":{},"path":"a","sha1":"b"}`,
		`{"name":"v/p","version":"1","norm":"1.0.0.0","fields":null,"path":"a","sha1":"b"}`,
	}
	for i, m := range irregular {
		t.Run(fmt.Sprint("irregular", i), func(t *testing.T) {
			if bothWays(t, hostWith(rec("1.0.0", false, common), m), "v/p") {
				t.Fatalf("the fast path took %s", m)
			}
		})
	}
	t.Run("key to escape", func(t *testing.T) {
		if bothWays(t, hostWith(rec("1.0.0", false, with("a<b", 1))), "v/p") {
			t.Fatal("the fast path took a key with an HTML character")
		}
	})
}

// TestFastP2Generated compares both renders on 300 generated packages.
func TestFastP2Generated(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	texts := []string{"", "x", "<&>", "é", "\u2028", `"q"`, `\`, "\n", "日本"}
	values := func() any {
		switch r.Intn(6) {
		case 0:
			return texts[r.Intn(len(texts))]
		case 1:
			return []string{texts[r.Intn(len(texts))], "MIT"}
		case 2:
			return map[string]any{"php": texts[r.Intn(len(texts))], "n": r.Intn(3)}
		case 3:
			return r.Intn(2) == 0
		case 4:
			return nil // removed
		}
		return 1.25 * float64(r.Intn(4))
	}
	keys := []string{"description", "type", "license", "require", "extra", "bin"}
	for round := 0; round < 300; round++ {
		var metas []string
		fields := map[string]any{}
		for n := r.Intn(12); n >= 0; n-- {
			k := keys[r.Intn(len(keys))]
			if v := values(); v == nil {
				delete(fields, k)
			} else {
				fields[k] = v
			}
			version := fmt.Sprintf("%d.%d.%d", r.Intn(3), r.Intn(3), r.Intn(30))
			dev := r.Intn(5) == 0
			if dev {
				version = fmt.Sprintf("dev-b%d", r.Intn(50))
			}
			metas = append(metas, rec(version, dev, fields))
		}
		if !bothWays(t, hostWith(metas...), "v/p") {
			t.Fatalf("round %d: the fast path declined", round)
		}
	}
}

// TestSplitNormKey compares splitNormKey with splitNorm.
func TestSplitNormKey(t *testing.T) {
	for _, v := range []string{"1.0.0.0", "1.2.3.4-beta2", "1.2.3.4-RC", "dev-main", "1.9999999.9999999.9999999-dev", "",
		"1", "1..2", "1.2.3.4.5", "1.2.3.4-patch12", "a.b", "1.2-x7", "-3", "1234567890123456789012.1", "1.2-beta1234567890123456789012",
		"1.0.0.0-", "1.2.3.4-beta-2", "+1.2"} {
		nums, stab, num := splitNorm(v)
		if got := splitNormKey(v); got != (normKey{nums, stab, num}) {
			t.Errorf("%q: %v, splitNorm %v %d %d", v, got, nums, stab, num)
		}
	}
}
