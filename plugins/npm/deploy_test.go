package npm_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// A tarball PUT at its path is indexed as a publish: the packument lists it
// with the tarball's digests, and the tarball downloads.
func TestDeployByPath(t *testing.T) {
	h := newHost()
	tgz := makeTgz(t, "left-pad", "1.2.0", nil)
	r := do(t, h, "bob", "PUT", "/left-pad/-/left-pad-1.2.0.tgz", tgz)
	want(t, r, 201)
	r = do(t, h, "", "GET", "/left-pad", nil)
	want(t, r, 200)
	var doc struct {
		DistTags map[string]string `json:"dist-tags"`
		Versions map[string]struct {
			Name string
			Dist struct{ Integrity, Shasum, Tarball string }
		}
	}
	if err := json.Unmarshal(r.Bytes, &doc); err != nil {
		t.Fatal(err)
	}
	integrity, shasum := sri(tgz)
	v := doc.Versions["1.2.0"]
	if v.Name != "left-pad" || v.Dist.Integrity != integrity || v.Dist.Shasum != shasum || !strings.HasSuffix(v.Dist.Tarball, "/left-pad/-/left-pad-1.2.0.tgz") {
		t.Fatalf("version document %+v", v)
	}
	if doc.DistTags["latest"] != "1.2.0" {
		t.Fatalf("dist-tags %v", doc.DistTags)
	}
	// An older version deployed later leaves latest where it is.
	want(t, do(t, h, "bob", "PUT", "/left-pad/-/left-pad-1.10.0.tgz", makeTgz(t, "left-pad", "1.10.0", nil)), 201)
	want(t, do(t, h, "bob", "PUT", "/left-pad/-/left-pad-1.9.0.tgz", makeTgz(t, "left-pad", "1.9.0", nil)), 201)
	r = do(t, h, "", "GET", "/left-pad", nil)
	if err := json.Unmarshal(r.Bytes, &doc); err != nil || doc.DistTags["latest"] != "1.10.0" {
		t.Fatalf("latest after deploys: %v (%v)", doc.DistTags, err)
	}
}

func TestDeployByPathRefusals(t *testing.T) {
	h := newHost()
	tgz := makeTgz(t, "left-pad", "1.2.0", nil)
	cases := []struct {
		name, user, path string
		body             []byte
		status           int
	}{
		{"anonymous", "", "/left-pad/-/left-pad-1.2.0.tgz", tgz, 401},
		{"name mismatch", "bob", "/right-pad/-/right-pad-1.2.0.tgz", tgz, 400},
		{"version mismatch", "bob", "/left-pad/-/left-pad-1.3.0.tgz", tgz, 400},
		{"not a tarball", "bob", "/left-pad/-/left-pad-1.2.0.tgz", []byte("hello"), 400},
		{"no body", "bob", "/left-pad/-/left-pad-1.2.0.tgz", nil, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want(t, do(t, h, c.user, "PUT", c.path, c.body), c.status)
		})
	}
	if len(h.versionsOf("left-pad")) != 0 || len(h.versionsOf("right-pad")) != 0 {
		t.Fatal("a refused deploy stored a version")
	}
	want(t, do(t, h, "bob", "PUT", "/left-pad/-/left-pad-1.2.0.tgz", tgz), 201)
	want(t, do(t, h, "bob", "PUT", "/left-pad/-/left-pad-1.2.0.tgz", tgz), 409)
}
