package sdk

import (
	"errors"
	"fmt"
	"testing"
)

// listing serves n keys k00000… in order, PageSize at a time, recording
// the cursors it was asked for.
type listing struct {
	keys    []string
	cursors []string
}

func newListing(n int) *listing {
	l := &listing{}
	for i := range n {
		l.keys = append(l.keys, fmt.Sprintf("k%05d", i))
	}
	return l
}

func (l *listing) list(after string) ([]string, error) {
	l.cursors = append(l.cursors, after)
	var out []string
	for _, k := range l.keys {
		if k > after && len(out) < PageSize {
			out = append(out, k)
		}
	}
	return out, nil
}

func TestPaginate(t *testing.T) {
	id := func(s string) string { return s }
	for _, tc := range []struct {
		name        string
		n, max      int
		wantRead    int
		wantCursors []string
	}{
		{"empty", 0, 100000, 0, []string{""}},
		{"one short page", 10, 100000, 10, []string{""}},
		{"exactly one page asks once more", PageSize, 100000, PageSize, []string{"", "k00999"}},
		{"several pages", 2500, 100000, 2500, []string{"", "k00999", "k01999"}},
		{"bounded by maxEntries", 5000, 2000, 2000, []string{"", "k00999"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newListing(tc.n)
			var got []string
			err := Paginate(tc.max, l.list, id, func(k string) error { got = append(got, k); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.wantRead || fmt.Sprint(l.cursors) != fmt.Sprint(tc.wantCursors) {
				t.Fatalf("read %d with cursors %q, want %d with %q", len(got), l.cursors, tc.wantRead, tc.wantCursors)
			}
			for i, k := range got {
				if k != l.keys[i] {
					t.Fatalf("entry %d = %s, want %s", i, k, l.keys[i])
				}
			}
		})
	}
	t.Run("errors stop it", func(t *testing.T) {
		boom := errors.New("boom")
		l := newListing(3000)
		calls := 0
		err := Paginate(100000, l.list, id, func(string) error {
			if calls++; calls == 1500 {
				return boom
			}
			return nil
		})
		if !errors.Is(err, boom) || len(l.cursors) != 2 {
			t.Fatalf("err %v after %d pages", err, len(l.cursors))
		}
		err = Paginate(100000, func(string) ([]string, error) { return nil, boom }, id, func(string) error { return nil })
		if !errors.Is(err, boom) {
			t.Fatalf("list error: %v", err)
		}
	})
}
