package huggingface_test

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/huggingface"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// TestClassifyAndMerge: objects and anything at a commit id are immutable,
// API documents mutable, files at a branch Unknown (a remote revalidates
// them; a virtual asks each member, keeping X-Repo-Commit); a virtual's
// model info is its first member's that has the repository.
func TestClassifyAndMerge(t *testing.T) {
	p := huggingface.Plugin{}
	sha, oid := strings.Repeat("a", 40), strings.Repeat("b", 64)
	for path, want := range map[string]sdk.CacheClass{
		"/alice/tiny/objects/" + oid:             sdk.Immutable,
		"/alice/tiny/resolve/" + sha + "/a.json": sdk.Immutable,
		"/api/models/alice/tiny/revision/" + sha: sdk.Immutable,
		"/api/models/alice/tiny":                 sdk.Mutable,
		"/api/models/alice/tiny/revision/main":   sdk.Mutable,
		"/api/models/alice/tiny/tree/main":       sdk.Mutable,
		"/alice/tiny/resolve/main/config.json":   sdk.Unknown,
		"/alice/tiny/objects/not-a-digest":       sdk.Unknown,
		"/elsewhere":                             sdk.Unknown,
	} {
		if got := p.Classify(path); got != want {
			t.Errorf("Classify(%s) = %v, want %v", path, got, want)
		}
	}
	if _, ok := any(p).(sdk.Rewriter); ok {
		t.Error("the plugin rewrites: a remote would hold every mutable download in memory")
	}
	first, second := []byte(`{"id":"alice/tiny","sha":"`+sha+`"}`), []byte(`{"id":"alice/tiny","sha":"`+strings.Repeat("c", 40)+`"}`)
	got, err := p.Merge(nil, "/api/models/alice/tiny", [][]byte{[]byte("<html>"), []byte(`{"error":"Repository Not Found"}`), first, second})
	if err != nil || string(got) != string(first) {
		t.Fatalf("merge: %s %v", got, err)
	}
	if got, err := p.Merge(nil, "/api/models/alice/tiny/tree/main", [][]byte{[]byte(`[]`)}); err != nil || string(got) != "[]" {
		t.Fatalf("merge tree: %s %v", got, err)
	}
	if _, err := p.Merge(nil, "/api/models/alice/tiny", [][]byte{[]byte("nope")}); sdk.AsError(err).Status != 404 {
		t.Fatalf("merge of nothing: %v", err)
	}
}
