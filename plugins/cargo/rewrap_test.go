package cargo_test

import (
	"bytes"
	"strings"
	"testing"
)

// TestPublishRewrapsBareLines stores a crate's versions as the plugin did
// before the index was assembled by the host (the index line itself as the
// version's metadata), checks the index is served as before, then publishes
// a version: every stored version is wrapped, each line unchanged, and the
// index is the old one with the new line in its place.
func TestPublishRewrapsBareLines(t *testing.T) {
	h := newTestHost(repoCtx(true))
	publishFixtures(t, h)
	before := call(t, h, get("/de/mo/demo-lib")).Bytes
	lines := strings.Split(strings.TrimSuffix(string(before), "\n"), "\n")
	for k, v := range h.Versions {
		if v.Package != "demo-lib" {
			continue
		}
		if !bytes.HasPrefix(v.Metadata, []byte(`{"sortKey":"`)) {
			t.Fatalf("published %s stored bare: %s", v.Version, v.Metadata)
		}
		for _, l := range lines {
			if strings.Contains(l, `"vers":"`+v.Version+`"`) {
				v.Metadata = []byte(l)
			}
		}
		h.Versions[k] = v
	}
	if got := call(t, h, get("/de/mo/demo-lib")).Bytes; !bytes.Equal(got, before) {
		t.Fatalf("bare lines:\n%s\nwant\n%s", got, before)
	}
	if r := callCommit(t, h, publishReq(h, publishBody(meta("demo-lib", "0.1.5", nil), crate(t, "demo-lib", "0.1.5")), "alice")); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Bytes)
	}
	after := string(call(t, h, get("/de/mo/demo-lib")).Bytes)
	got := strings.Split(strings.TrimSuffix(after, "\n"), "\n")
	if len(got) != 3 || got[0] != lines[0] || got[2] != lines[1] || !strings.Contains(got[1], `"vers":"0.1.5"`) {
		t.Fatalf("after publish:\n%s\nbefore\n%s", after, before)
	}
	for _, v := range h.Versions {
		if v.Package == "demo-lib" && !bytes.HasPrefix(v.Metadata, []byte(`{"sortKey":"`)) {
			t.Fatalf("%s still bare: %s", v.Version, v.Metadata)
		}
	}
}
