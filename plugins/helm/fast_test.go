package helm

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

func TestAppendTimestampMatchesRFC3339Nano(t *testing.T) {
	for _, ms := range []int64{0, 1, 10, 100, 120, 123, 999, 1700000000000, 1700000000010, -1, 253402300799999, 253402300800000} {
		if got, want := timestamp(ms), time.UnixMilli(ms).UTC().Format(time.RFC3339Nano); got != want {
			t.Errorf("timestamp(%d) = %s, want %s", ms, got, want)
		}
	}
}

func TestAppendQuotedMatchesStrconv(t *testing.T) {
	for _, s := range []string{"", "sha256:abc", "http://h/helm/c/charts/a-1.0.0.tgz", `a"b`, `a\b`, "tab\t", "é", "\x7f"} {
		if got, want := string(appendQuoted(nil, s)), strconv.Quote(s); got != want {
			t.Errorf("appendQuoted(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestFragmentsMatchEncodingJSON(t *testing.T) {
	in := []string{"", "    name: \"a\"\n", "    description: \"<b> & \\\"q\\\" \\\\ /\"\n\t", "é ünïcode", "\u2028", "\x01", "bad \xff"}
	metas := make([][]byte, len(in))
	for i, frag := range in {
		metas[i], _ = json.Marshal(storedMeta{IndexYAML: frag, Metadata: Metadata{Name: "a"}})
	}
	metas = append(metas, []byte(`{"name":"a","indexYAML":"not first"}`))
	got := fragments(nil, metas) // no host: the SDK runs the host's code
	for i, frag := range in {
		var back storedMeta
		if err := json.Unmarshal(metas[i], &back); err != nil {
			t.Fatal(err)
		}
		if frag == "" {
			if got[i] != nil {
				t.Errorf("empty fragment reported present")
			}
			continue
		}
		if string(got[i]) != back.IndexYAML {
			t.Errorf("fragment of %s = %q; want %q", metas[i], got[i], back.IndexYAML)
		}
	}
	if got[len(in)] != nil {
		t.Errorf("a fragment that is not the first member was read: %q", got[len(in)])
	}
}
