package wasm

import (
	"sync"

	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// A plugin often assembles twice in one call: a return-text template
// lists the keys it sorts by its format's rules, a second one writes the
// rows in that order. Both read the same pages of the same listing; the
// call keeps the pages the first read, so the second costs no query. The
// rows cannot change within a call: its reads see the repository as the
// call found it, and its own writes are staged until it returns.

// maxListedBytes bounds the metadata one call keeps listed.
const maxListedBytes = hostjson.MaxAssembled

// listKey names one page of a listing.
type listKey struct {
	files              bool
	pkg, prefix, after string
	limit              int
}

// listings are the pages a call listed. Their rows live in slices taken
// from rowPool (owned) and go back when the call ends (release): a
// listing's conversion to rows then costs no allocation on the next call.
type listings struct {
	pages map[listKey][]hostjson.Row
	bytes int
	owned []*[]hostjson.Row
}

// rowPool holds row slices of finished calls, cleared.
var rowPool sync.Pool

// rows is a slice of n rows for the call, from rowPool when one is big
// enough.
func (l *listings) rows(n int) []hostjson.Row {
	p, _ := rowPool.Get().(*[]hostjson.Row)
	if p == nil || cap(*p) < n {
		if p != nil {
			rowPool.Put(p)
		}
		s := make([]hostjson.Row, n)
		p = &s
	}
	*p = (*p)[:n]
	l.owned = append(l.owned, p)
	return *p
}

// release returns the call's row slices to rowPool; nothing may read the
// call's pages afterwards.
func (l *listings) release() {
	for _, p := range l.owned {
		clear(*p)
		rowPool.Put(p)
	}
	l.owned, l.pages, l.bytes = nil, nil, 0
}

func (l *listings) get(k listKey) ([]hostjson.Row, bool) {
	rows, ok := l.pages[k]
	return rows, ok
}

// put keeps a page unless the call holds maxListedBytes of metadata.
func (l *listings) put(k listKey, rows []hostjson.Row) {
	n := 0
	for _, r := range rows {
		n += len(r.Metadata) + len(r.Path) + len(r.Version) + len(r.Package)
	}
	if l.bytes+n > maxListedBytes {
		return
	}
	if l.pages == nil {
		l.pages = map[listKey][]hostjson.Row{}
	}
	l.pages[k], l.bytes = rows, l.bytes+n
}
