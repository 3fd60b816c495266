package wasm

import "github.com/keeper-registry/keeper/sdk/go/hostjson"

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

// listings are the pages a call listed.
type listings struct {
	pages map[listKey][]hostjson.Row
	bytes int
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
