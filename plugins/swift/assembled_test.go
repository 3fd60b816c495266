package swift_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/swift"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// sameReleases answers the releases list of scope.name (each page) both
// ways and fails unless the one read from the listing is byte-identical to
// the one read from the records, Link header included, or was declined;
// it reports whether every page came from the listing.
func sameReleases(t *testing.T, e *env, scope, name string) bool {
	t.Helper()
	return sameWay(t, e, scope, name, swift.ReleasesBothWays)
}

// sameSorted is sameReleases for the listing the host sorted (sorted.go).
func sameSorted(t *testing.T, e *env, scope, name string) bool {
	t.Helper()
	return sameWay(t, e, scope, name, swift.SortedReleasesBothWays)
}

func sameWay(t *testing.T, e *env, scope, name string,
	both func(sdk.Host, *sdk.Request, string, string) (*sdk.Response, *sdk.Response, error)) bool {
	t.Helper()
	listedAll := true
	for page := range 7 {
		q := ""
		switch {
		case page == 5:
			q = "page=x"
		case page == 6:
			q = "page=100000000000"
		case page > 0:
			q = fmt.Sprint("page=", page)
		}
		req := &sdk.Request{Method: "GET", Path: "/" + scope + "/" + name, RawQuery: q, Repo: e.h.RepoCtx}
		listed, read, err := both(e.h, req, scope, name)
		if err != nil {
			t.Fatal(err)
		}
		if listed == nil {
			listedAll = false
			continue
		}
		if listed.Status != read.Status || fmt.Sprint(listed.Headers) != fmt.Sprint(read.Headers) || !bytes.Equal(listed.Bytes, read.Bytes) {
			t.Fatalf("page %d: listed %d %v\n%s\nread %d %v\n%s", page, listed.Status, listed.Headers, listed.Bytes,
				read.Status, read.Headers, read.Bytes)
		}
	}
	return listedAll
}

// TestListedReleasesMatchRecords: the releases list read from the
// listing (records outside the guest) is the one read from the records for
// one release, many (pre-releases, build metadata, the id spelled
// differently per release, repository URLs on the latest, several pages),
// and the records answer for every record of another shape.
func TestListedReleasesMatchRecords(t *testing.T) {
	old := swift.SetPageSize(3)
	defer swift.SetPageSize(old)
	e := newEnv(t)
	if sameReleases(t, e, "mona", "LinkedList") {
		t.Fatal("a missing package was listed")
	}
	e.want(e.publish("mona", "LinkedList", "1.0.0", sourceArchive("LinkedList", "1"), "", nil), 201, "")
	if !sameReleases(t, e, "mona", "LinkedList") {
		t.Fatal("one release was not listed")
	}
	for i, v := range []string{"1.10.0", "2.0.0-beta.1", "1.2.0+b7", "2.0.0-beta.10", "0.1.0", "1.2.0", "2.0.0-rc"} {
		scope, name, meta := "mona", "LinkedList", ""
		if i%2 == 1 {
			scope, name, meta = "Mona", "linked-list_x", metadataJSON
		}
		if r := e.publish(scope, name, v, sourceArchive("LinkedList", v), meta, nil); r.Status != 201 {
			continue // another spelling of the name is another package
		}
	}
	e.want(e.publish("MONA", "LINKEDLIST", "3.0.0-x", sourceArchive("LinkedList", "3"), metadataJSON, nil), 201, "")
	for _, id := range [][2]string{{"mona", "LinkedList"}, {"Mona", "linked-list_x"}, {"MONA", "LINKED-LIST_X"}} {
		if !sameReleases(t, e, id[0], id[1]) {
			t.Fatalf("%v was not listed", id)
		}
		if !sameSorted(t, e, id[0], id[1]) {
			t.Fatalf("%v was not sorted by the host", id)
		}
	}

	k := "mona.linkedlist\x001.10.0"
	good, ok := e.h.Versions[k]
	if !ok {
		for k := range e.h.Versions {
			t.Log(k)
		}
		t.Fatal("no release 1.10.0")
	}
	// An escaped id the records decode to the same id: listed, same bytes.
	v := good
	v.Metadata = []byte(`{"id":"mona.Linked\u004cist","checksum":"x"}`)
	e.h.Versions[k] = v
	sameReleases(t, e, "mona", "LinkedList")
	for _, meta := range []string{
		`{"checksum":"x","id":"mona.LinkedList"}`,
		`{"id":"mona.Linked List","checksum":"x"}`,
		`{"id":"mona.LinkedList","checksum":"x"`,
		`{"id":"mona.LinkedList","id":"x"}`,
		`{"id":1}`,
		``,
		`{"id":"mona.LinkedList","checksum":"x","sort_key":"B1C10B0~$ 1.10.1"}`,
	} {
		v := good
		v.Metadata = []byte(meta)
		e.h.Versions[k] = v
		if sameReleases(t, e, "mona", "LinkedList") && !strings.Contains(meta, "sort_key") {
			t.Fatalf("listed beside record %s", meta)
		}
		if sameSorted(t, e, "mona", "LinkedList") {
			t.Fatalf("sorted by the host beside record %s", meta)
		}
	}
	e.h.Versions[k] = good
	// The latest's urls are read from the host's text (escapes decoded as
	// json.Unmarshal decodes them).
	latest := "mona.linkedlist\x003.0.0-x"
	keep := e.h.Versions[latest]
	for _, urls := range []string{`["https://a/<&>\u00e9","b\"c",""]`, `null`, `[]`} {
		v := keep
		v.Metadata = []byte(`{"id":"MONA.LINKEDLIST","checksum":"x","sort_key":"B3B0B0-1x#$ 3.0.0-x","urls":` + urls + `}`)
		e.h.Versions[latest] = v
		if !sameSorted(t, e, "mona", "LinkedList") {
			t.Fatalf("urls %s: not sorted by the host", urls)
		}
	}
	e.h.Versions[latest] = keep
	e.h.Versions[k] = good
	e.h.Versions["mona.linkedlist\x00v3"] = sdk.VersionInfo{Package: "mona.linkedlist", Version: "v3", Metadata: good.Metadata}
	if !sameReleases(t, e, "mona", "LinkedList") {
		t.Fatal("not listed beside a version that is no SemVer")
	}
	if sameSorted(t, e, "mona", "LinkedList") {
		t.Fatal("sorted by the host beside a record copied to another version")
	}
}

// TestListedReleasesGenerated publishes random SemVer versions in a random
// order under ids spelled differently, 30 rounds with pages of 4 (pages
// past the last and not a number) and base URLs with bytes JSON escapes,
// unicode and invalid UTF-8, and compares the two ways each time.
func TestListedReleasesGenerated(t *testing.T) {
	old := swift.SetPageSize(4)
	defer swift.SetPageSize(old)
	rng := rand.New(rand.NewPCG(3, 5))
	archive := sourceArchive("LinkedList", "x")
	for round := range 30 {
		e := newEnv(t)
		e.h.RepoCtx.BaseURL = []string{base, "http://h/s<&>\"x\\", "http://h/é\u2028", "http://h/\xff\xfe", ""}[round%5]
		for range 1 + rng.IntN(18) {
			v := fmt.Sprintf("%d.%d.%d", rng.IntN(3), rng.IntN(12), rng.IntN(3))
			switch rng.IntN(4) {
			case 0:
				v += []string{"-alpha", "-beta.2", "-beta.10", "-1", "-rc.1.x"}[rng.IntN(5)]
			case 1:
				v += "+b" + fmt.Sprint(rng.IntN(3))
			}
			meta := ""
			if rng.IntN(2) == 0 {
				meta = metadataJSON
			}
			id := [][2]string{{"mona", "LinkedList"}, {"MONA", "LINKEDLIST"}, {"Mona", "linkedList"}}[rng.IntN(3)]
			e.publish(id[0], id[1], v, archive, meta, nil) // a duplicate is refused
		}
		if !sameReleases(t, e, "mona", "LinkedList") {
			t.Fatalf("round %d was not listed", round)
		}
		if !sameSorted(t, e, "mona", "LinkedList") {
			t.Fatalf("round %d was not sorted by the host", round)
		}
	}
}
