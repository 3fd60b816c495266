package hostjson

import (
	"bytes"
	"slices"
)

// loopRows are the rows of one loop and their projected members.
type loopRows struct {
	rows      []*Row // into the listing, which loops share
	m         Members
	keys      int
	texts     [][][]byte // the order's texts of each row, when ordered
	irregular uint32
	total     int // rows before the loop's window (0.9.0)
}

func (lr *loopRows) value(r, k int) []byte {
	i := 2 * (r*lr.keys + k)
	n := lr.m.Spans[i+1]
	if n == 0 {
		return nil
	}
	off := lr.m.Spans[i]
	return lr.m.Data[off : off+n]
}

// listKey names one listing of rows; loops over the same listing share it.
type listKey struct {
	source      Source
	pkg, prefix string
}

// fetch lists a loop's rows (once per listing: c keeps them), projects
// their members, applies its expect items and keeps its window.
func fetch(rs Rows, l *Loop, c *fetched) (loopRows, error) {
	lr, err := fetchAll(rs, l, c)
	if err != nil {
		return loopRows{}, err
	}
	lr.total = len(lr.rows)
	if l.Offset == 0 && l.Count == 0 || lr.irregular > 0 {
		return lr, nil
	}
	from := min(int(l.Offset), lr.total)
	to := lr.total
	if l.Count > 0 {
		to = min(to, from+int(l.Count))
	}
	idx := make([]int, to-from)
	for i := range idx {
		idx[i] = from + i
	}
	lr.pick(idx)
	return lr, nil
}

// fetchAll is fetch before the window.
func fetchAll(rs Rows, l *Loop, c *fetched) (loopRows, error) {
	limit := int(l.Limit)
	if limit == 0 {
		limit = MaxRows
	}
	var lr loopRows
	key := listKey{l.Source, l.Package, l.Prefix}
	all, ok := c.listed[key]
	if !ok {
		var err error
		if all, err = list(rs, l, key); err != nil {
			return loopRows{}, err
		}
		c.listed[key] = all
	}
	if l.Version == "" {
		lr.rows = make([]*Row, len(all))
		for i := range all {
			lr.rows[i] = &all[i]
		}
	} else {
		for i := range all {
			if all[i].Version == l.Version {
				lr.rows = append(lr.rows, &all[i])
			}
		}
	}
	if len(lr.rows) > limit {
		return loopRows{}, ErrTooManyRows
	}
	if len(l.Order) > 0 {
		var err error
		if lr, err = ordered(l, lr); err != nil {
			return loopRows{}, err
		}
		return project(l, lr)
	}
	return c.project(l, lr)
}

// ordered keeps the rows l.Order names, in its order, with their texts.
func ordered(l *Loop, lr loopRows) (loopRows, error) {
	at := make(map[string]int, len(lr.rows))
	for i := range lr.rows {
		k := lr.rows[i].Path
		if l.Source == Versions {
			k = lr.rows[i].Version
		}
		at[k] = i
	}
	seen := make(map[string]bool, len(l.Order))
	out := loopRows{rows: make([]*Row, 0, len(l.Order)), texts: make([][][]byte, 0, len(l.Order))}
	for _, o := range l.Order {
		if seen[o.Key] {
			return loopRows{}, ErrBadTemplate
		}
		seen[o.Key] = true
		if i, ok := at[o.Key]; ok {
			out.rows = append(out.rows, lr.rows[i])
			out.texts = append(out.texts, o.Texts)
		}
	}
	return out, nil
}

// list reads every row of a listing, at most MaxRows.
func list(rs Rows, l *Loop, key listKey) ([]Row, error) {
	var all []Row
	after := ""
	for {
		var page []Row
		var err error
		if key.source == Versions {
			page, err = rs.Versions(key.pkg, after, pageRows)
		} else {
			page, err = rs.Files(key.prefix, after, pageRows, key.pkg)
		}
		if err != nil {
			return nil, err
		}
		if all == nil && len(page) < pageRows {
			return page, nil // one page: no copy
		}
		all = append(all, page...)
		if len(all) > MaxRows {
			return nil, ErrTooManyRows
		}
		if len(page) < pageRows {
			return all, nil
		}
		if key.source == Versions {
			after = page[len(page)-1].Version
		} else {
			after = page[len(page)-1].Path
		}
	}
}

// project projects the members of a loop's rows and applies its expect
// items.
func project(l *Loop, lr loopRows) (loopRows, error) {
	if len(l.Members) == 0 {
		if len(l.Skip) > 0 {
			skip(l.Skip, &lr)
		}
		return lr, nil
	}
	docs := make([][]byte, len(lr.rows))
	for i := range lr.rows {
		docs[i] = lr.rows[i].Metadata
	}
	m, err := JSONMembers(docs, l.Members, l.MemberForm)
	if err != nil {
		return loopRows{}, err
	}
	lr.m, lr.keys = m, len(l.Members)
	lr.irregular = uint32(len(m.Irregular))
	if lr.irregular > 0 {
		return lr, nil
	}
	lr = finish(l, lr)
	if l.Sort != SortNone && lr.irregular == 0 {
		sortRows(&lr, int(l.SortMember), l.Sort == SortDescending)
	}
	return lr, nil
}

// skip leaves out the rows for which one of conds holds.
func skip(conds []Condition, lr *loopRows) {
	keep := make([]int, 0, len(lr.rows))
	for r := range lr.rows {
		if !lr.holds(r, lr.rows[r], conds) {
			keep = append(keep, r)
		}
	}
	if len(keep) < len(lr.rows) {
		lr.pick(keep)
	}
}

// pick keeps the rows idx names (with their members and texts), in its order.
func (lr *loopRows) pick(idx []int) {
	rows := make([]*Row, len(idx))
	w := 2 * lr.keys
	var spans []uint32
	if w > 0 {
		spans = make([]uint32, len(idx)*w)
	}
	var texts [][][]byte
	if lr.texts != nil {
		texts = make([][][]byte, len(idx))
	}
	for i, r := range idx {
		rows[i] = lr.rows[r]
		copy(spans[i*w:(i+1)*w], lr.m.Spans[r*w:(r+1)*w])
		if texts != nil {
			texts[i] = lr.texts[r]
		}
	}
	lr.rows, lr.m.Spans, lr.texts = rows, spans, texts
}

// sortRows orders lr's rows (and their projected members) by the bytes of
// member k, stably; a row without it is irregular (nothing is sorted then).
func sortRows(lr *loopRows, k int, desc bool) {
	type keyed struct {
		key []byte
		r   int
	}
	ks := make([]keyed, len(lr.rows))
	for r := range lr.rows {
		if ks[r] = (keyed{lr.value(r, k), r}); ks[r].key == nil {
			lr.irregular++
		}
	}
	if lr.irregular > 0 {
		return
	}
	// Stable: equal keys keep the listing's order (the row index decides).
	slices.SortFunc(ks, func(a, b keyed) int {
		c := bytes.Compare(a.key, b.key)
		if desc {
			c = -c
		}
		if c == 0 {
			return a.r - b.r
		}
		return c
	})
	idx := make([]int, len(ks))
	for i := range ks {
		idx[i] = ks[i].r
	}
	lr.pick(idx)
}
