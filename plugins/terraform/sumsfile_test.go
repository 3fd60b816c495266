package terraform

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
)

// sumsPath is the path of a provider version's SHA256SUMS.
func sumsPath(typ, version string) string { return providerDir(typ, version) + sumsName(typ, version) }

// TestStoredSumsMatchRender: after every upload of a provider package, the
// stored SHA256SUMS of its version is, byte for byte, what a GET of it
// renders, names the package just uploaded as served_while and belongs to
// no package; the host still writes provider-versions (grouped.go) over
// the packages alone (120 generated rounds: up to 6 versions of 2 types,
// platforms uploaded in random order, distinct and equal contents).
func TestStoredSumsMatchRender(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	plats := []string{"linux_amd64", "linux_arm64", "darwin_arm64", "darwin_amd64", "windows_amd64", "freebsd_386", "linux_arm"}
	for round := 0; round < 120; round++ {
		h := newHost()
		type up struct{ typ, version, plat string }
		var ups []up
		for _, typ := range []string{"demo", "my-cloud"}[:1+r.IntN(2)] {
			for v := r.IntN(6); v >= 0; v-- {
				version := fmt.Sprintf("%d.%d.%d", r.IntN(3), r.IntN(20), r.IntN(20))
				if r.IntN(4) == 0 {
					version += "-beta." + fmt.Sprint(r.IntN(3))
				}
				for _, i := range r.Perm(len(plats))[:1+r.IntN(len(plats))] {
					ups = append(ups, up{typ, version, plats[i]})
				}
			}
		}
		r.Shuffle(len(ups), func(i, j int) { ups[i], ups[j] = ups[j], ups[i] })
		for _, u := range ups {
			zip := providerZipBytes(t, u.typ, u.version)
			if r.IntN(2) == 0 {
				zip = providerZipBytes(t, u.typ, u.version+u.plat) // a distinct content
			}
			file := "terraform-provider-" + u.typ + "_" + u.version + "_" + u.plat + ".zip"
			resp := put(h, "/-/providers/"+u.typ+"/"+u.version+"/"+file, "", zip)
			if resp.Status == 409 {
				continue // the same version and platform drawn twice
			}
			want(t, resp, 201, "")
			p := sumsPath(u.typ, u.version)
			f, ok := h.Files[p]
			rendered := get(h, "/"+p)
			if !ok || rendered.Status != 200 || !bytes.Equal(h.Blobs[f.BlobDigest], rendered.Bytes) {
				t.Fatalf("round %d: stored %s\n%s\nrendered (%d)\n%s", round, p, h.Blobs[f.BlobDigest], rendered.Status, rendered.Bytes)
			}
			if f.Package != "" || f.Version != "" || f.ContentType != "text/plain; charset=utf-8" ||
				string(f.Metadata) != `{"served_while":"`+providerDir(u.typ, u.version)+file+`"}` {
				t.Fatalf("round %d: stored as %+v", round, f)
			}
			if _, ok := groupedVersions(h, u.typ); !ok {
				t.Fatalf("round %d: provider-versions of %s no longer written by the host", round, u.typ)
			}
		}
	}
}

// TestSumsTakeTheFastPath: through the host's dispatcher, SHA256SUMS of a
// version is answered from the stored document with no plugin call, with
// the render's bytes and type; the next upload rewrites it; once the
// package it names is deleted outside the plugin (the REST API, a cleanup
// policy deleting the version) the plugin answers again; read permission
// applies; packages and versions are the provider's alone.
func TestSumsTakeTheFastPath(t *testing.T) {
	s := plugintest.NewServer(t, Plugin{}, nil, "tf")
	ctx := context.Background()
	upload := func(plat string) {
		t.Helper()
		file := "terraform-provider-demo_1.0.0_" + plat + ".zip"
		if a := s.Do(nil, "PUT", "/-/providers/demo/1.0.0/"+file, providerZipBytes(t, "demo", "1.0.0"+plat)); a.Status != 201 {
			t.Fatalf("upload %s: %d %s", plat, a.Status, a.Body)
		}
	}
	target := "/" + sumsPath("demo", "1.0.0")
	read := func(calls int64) []byte {
		t.Helper()
		before := s.Calls()
		a := s.Do(nil, "GET", target, nil)
		if head := s.Do(nil, "HEAD", target, nil); head.Status != a.Status {
			t.Fatalf("HEAD %d, GET %d", head.Status, a.Status)
		}
		if n := s.Calls() - before; n != calls*2 {
			t.Fatalf("GET and HEAD of the checksums: %d plugin calls, want %d", n, calls*2)
		}
		if a.Status == 200 && a.Headers["Content-Type"] != "text/plain; charset=utf-8" {
			t.Fatalf("Content-Type %q", a.Headers["Content-Type"])
		}
		return a.Body
	}
	rendered := func() []byte {
		t.Helper()
		f, err := s.Files.GetFile(ctx, s.Repo.ID, sumsPath("demo", "1.0.0"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Files.Apply(ctx, s.Repo.ID, ports.WriteSet{Deletes: []string{f.Path}}); err != nil {
			t.Fatal(err)
		}
		body := read(1)
		if _, err := s.Files.Apply(ctx, s.Repo.ID, ports.WriteSet{Puts: []ports.FilePut{{File: f}}}); err != nil {
			t.Fatal(err)
		}
		return body
	}

	upload("linux_amd64")
	upload("darwin_arm64")
	if got, want := read(0), rendered(); !bytes.Equal(got, want) || bytes.Count(got, []byte("\n")) != 2 {
		t.Fatalf("stored\n%s\nrendered\n%s", got, want)
	}
	upload("windows_amd64")
	if got, want := read(0), rendered(); !bytes.Equal(got, want) || bytes.Count(got, []byte("\n")) != 3 {
		t.Fatalf("after an upload: stored\n%s\nrendered\n%s", got, want)
	}
	ps, _ := s.Files.ListPackages(ctx, s.Repo.ID, "", "", 100)
	vs, _ := s.Files.ListVersions(ctx, s.Repo.ID, "provider/demo", "", 100)
	if len(ps) != 1 || ps[0].Name != "provider/demo" || len(vs) != 1 {
		t.Fatalf("packages %v, versions %v", ps, vs)
	}

	// Private: an anonymous read is refused with no plugin call.
	if _, err := s.Repos.UpdateRepository(ctx, "tf", func(r *ports.Repository) error { r.IsPublic = false; return nil }); err != nil {
		t.Fatal(err)
	}
	before := s.Calls()
	if a := s.Do(&ports.Subject{Anonymous: true}, "GET", target, nil); a.Status != 401 || s.Calls() != before {
		t.Fatalf("anonymous GET of a private repository: %d %s", a.Status, a.Body)
	}

	// The package the document names deleted through the REST API: the
	// plugin answers, without it.
	named := providerDir("demo", "1.0.0") + "terraform-provider-demo_1.0.0_windows_amd64.zip"
	if _, err := s.Files.Apply(ctx, s.Repo.ID, ports.WriteSet{Deletes: []string{named}}); err != nil {
		t.Fatal(err)
	}
	if got := read(1); bytes.Count(got, []byte("\n")) != 2 || bytes.Contains(got, []byte("windows")) {
		t.Fatalf("after the named package's delete:\n%s", got)
	}
	// A cleanup policy deletes the version whole (its packages and its
	// version; the checksums belong to no package): 404 from the plugin.
	fs, _ := s.Files.ListFiles(ctx, s.Repo.ID, ports.FileListing{Package: "provider/demo", Limit: 100})
	ws := ports.WriteSet{Versions: []ports.VersionPut{{Package: "provider/demo", Version: "1.0.0", Delete: true}}}
	for _, f := range fs {
		ws.Deletes = append(ws.Deletes, f.Path)
	}
	if _, err := s.Files.Apply(ctx, s.Repo.ID, ws); err != nil {
		t.Fatal(err)
	}
	before = s.Calls()
	if a := s.Do(nil, "GET", target, nil); a.Status != 404 || s.Calls() != before+1 {
		t.Fatalf("after the version's cleanup: %d %s", a.Status, a.Body)
	}
}
