package sdk_test

import (
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// badSpans is a host whose json-spans answers out of bounds.
type badSpans struct {
	*fakehost.Host
	spans []uint32
}

func (b badSpans) JSONSpans(sdk.Source, [][]string) ([]uint32, error) { return b.spans, nil }

// TestJSONSpansChecksTheHost: without a host the SDK scans itself; a
// host's answer that points outside the document or at an unknown path is
// an error, not a slice panic in the plugin.
func TestJSONSpansChecksTheHost(t *testing.T) {
	doc := []byte(`{"a":{"b":1}}`)
	m, err := sdk.JSONSpans(nil, sdk.Source{Bytes: doc}, [][]string{{"a", "b"}})
	if err != nil || m.Len() != 1 || string(doc[m.At(0).Start:m.At(0).End]) != "1" {
		t.Fatalf("native scan: %v %v", m, err)
	}
	for _, bad := range [][]uint32{{0, 1, 5}, {0, 1, 5, 0}, {1, 1, 5, 1}, {0, 5, 5, 1}, {0, 1, 12, 2}} {
		if _, err := sdk.JSONSpans(badSpans{fakehost.New(nil), bad}, sdk.Source{Bytes: doc}, [][]string{{"a"}}); err == nil {
			t.Errorf("host answer %v accepted", bad)
		}
	}
}

// TestGetFilesParity: the fake host's get-files keeps the order asked,
// leaves absent paths out and has the host's bound.
func TestGetFilesParity(t *testing.T) {
	h := fakehost.New(nil)
	h.Files["a"] = sdk.File{Path: "a", Size: 1}
	h.Files["b"] = sdk.File{Path: "b", Size: 2}
	fs, err := sdk.GetFiles(h, []string{"b", "x", "a", "b"})
	if err != nil || len(fs) != 3 || fs[0].Path != "b" || fs[1].Path != "a" || fs[2].Path != "b" {
		t.Fatalf("get-files: %+v %v", fs, err)
	}
	if _, err := sdk.GetFiles(h, make([]string, 1001)); err == nil || !strings.Contains(err.Error(), "too many paths") {
		t.Fatalf("bound: %v", err)
	}
}
