package dispatch

import (
	"sync"
	"testing"
)

func TestTableLongestPrefix(t *testing.T) {
	tab, dropped := NewTable([]Route{
		{Prefix: "/a/", PluginID: "pa", Format: "fa"},
		{Prefix: "/a/b/", PluginID: "pb", Format: "fb"},
		{Prefix: "/v2/", Root: true, PluginID: "pv", Format: "fv"},
		{Prefix: "/.well-known/x.json", Root: true, PluginID: "pw", Format: "fw"},
		{Prefix: "/a/", PluginID: "dup", Format: "fd"},
		{Prefix: "nope", PluginID: "bad", Format: "fd"},
	})
	if len(dropped) != 2 || dropped[0].PluginID != "dup" || dropped[1].PluginID != "bad" {
		t.Fatalf("dropped = %+v, want dup and bad", dropped)
	}
	cases := []struct {
		path, plugin, rest string
		ok                 bool
	}{
		{"/a/repo/file", "pa", "repo/file", true},
		{"/a/b/repo/file", "pb", "repo/file", true},
		{"/a/bc/file", "pa", "bc/file", true},
		{"/a", "pa", "", true},
		{"/a/b", "pb", "", true},
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
	if !tab.HasPlugin("pb") || tab.HasPlugin("dup") {
		t.Fatal("HasPlugin wrong")
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
