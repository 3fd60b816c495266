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

func TestFastFragmentMatchesEncodingJSON(t *testing.T) {
	for _, frag := range []string{"", "    name: \"a\"\n", "    description: \"<b> & \\\"q\\\" \\\\ /\"\n\t", "é ünïcode", "\u2028", "\x01"} {
		meta, _ := json.Marshal(storedMeta{IndexYAML: frag, Metadata: Metadata{Name: "a"}})
		got, ok := fastFragment(meta)
		if frag == "" {
			if ok {
				t.Errorf("empty fragment reported present")
			}
			continue
		}
		if !ok || string(got) != frag {
			t.Errorf("fastFragment(%s) = %q, %v; want %q", meta, got, ok, frag)
		}
	}
}
