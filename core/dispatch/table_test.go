package dispatch

import (
	"strings"
	"sync"
	"testing"
)

func TestTableLongestPrefix(t *testing.T) {
	tab, dropped := NewTable([]Route{
		{Prefix: "/a/", PluginID: "pa", Format: "fa"},
		{Prefix: "/a/b/", PluginID: "pa", Format: "fa"},
		{Prefix: "/v2/", Root: true, PluginID: "pv", Format: "fv"},
		{Prefix: "/.well-known/x.json", Root: true, PluginID: "pw", Format: "fw"},
		{Prefix: "/a/", PluginID: "dup", Format: "fd"},
		{Prefix: "nope", PluginID: "bad", Format: "fd"},
		// Nested inside another plugin's mounts: hijacking, never routed.
		{Prefix: "/a/c/", PluginID: "hijack", Format: "fh"},
		{Prefix: "/v2/somerepo/", PluginID: "hijack", Format: "fh"},
		{Prefix: "/", PluginID: "hijack", Format: "fh"},
	})
	var ids []string
	for _, r := range dropped {
		ids = append(ids, r.PluginID+" "+r.Prefix)
	}
	if want := "dup /a/,bad nope,hijack /a/c/,hijack /v2/somerepo/,hijack /"; strings.Join(ids, ",") != want {
		t.Fatalf("dropped = %v, want %s", ids, want)
	}
	cases := []struct {
		path, plugin, rest string
		ok                 bool
	}{
		{"/a/repo/file", "pa", "repo/file", true},
		{"/a/b/repo/file", "pa", "repo/file", true},
		{"/a/bc/file", "pa", "bc/file", true},
		{"/a", "pa", "", true},
		{"/a/b", "pa", "", true},
		{"/a/c/x", "pa", "c/x", true},
		{"/v2/", "pv", "", true},
		{"/v2", "pv", "", true},
		{"/v20/x", "", "", false},
		{"/.well-known/x.json", "pw", "", true},
		{"/.well-known/x.jsonp", "", "", false},
		{"/a/%40scope%2fpkg", "pa", "%40scope%2fpkg", true},
		{"/zzz", "", "", false},
		{"/", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			r, rest, ok := tab.Lookup(c.path)
			if ok != c.ok || r.PluginID != c.plugin || rest != c.rest {
				t.Fatalf("Lookup(%q) = %q %q %v, want %q %q %v", c.path, r.PluginID, rest, ok, c.plugin, c.rest, c.ok)
			}
		})
	}
	if !tab.HasPlugin("pa") || tab.HasPlugin("dup") || tab.HasPlugin("hijack") {
		t.Fatal("HasPlugin wrong")
	}
}

func TestOverlap(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"/npm/", "/npm/", true},
		{"/npm/", "/npm/somerepo/", true},
		{"/npm/somerepo/", "/npm/", true},
		{"/v2/", "/v2", true},
		{"/v2", "/v2/x/", true},
		{"/", "/npm/", true},
		{"/npm/", "/npmx/", false},
		{"/v2", "/v20/", false},
		{"/.well-known/terraform.json", "/.well-known/other.json", false},
		{"/.well-known/", "/.well-known/terraform.json", true},
	} {
		if got := Overlap(c.a, c.b); got != c.want {
			t.Errorf("Overlap(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// Readers racing with swaps always see one whole table: the two routes of a
// table name the same generation, never a mix.
func TestTableAtomicSwap(t *testing.T) {
	d := New(Deps{}, Config{})
	gen := func(i int) []Route {
		id := "p" + string(rune('0'+i%2))
		return []Route{{Prefix: "/x/", PluginID: id, Format: id}, {Prefix: "/y/", PluginID: id, Format: id}}
	}
	d.SetRoutes(gen(0))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, 8)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				tab := d.Table()
				a, _, ok1 := tab.Lookup("/x/r/f")
				b, _, ok2 := tab.Lookup("/y/r/f")
				if !ok1 || !ok2 || a.PluginID != b.PluginID {
					errs <- a.PluginID + "/" + b.PluginID
					return
				}
			}
		}()
	}
	for i := 1; i <= 2000; i++ {
		d.SetRoutes(gen(i))
	}
	close(stop)
	wg.Wait()
	select {
	case e := <-errs:
		t.Fatalf("reader saw a mixed or empty table: %s", e)
	default:
	}
}
