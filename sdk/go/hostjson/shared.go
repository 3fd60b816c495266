package hostjson

import "strings"

// Loops over the same listing often differ only in what they write and
// skip (contract 0.8.0: one loop writes the rows, others the last row or
// the last one a skip leaves). They share the projection of their members
// and, when every row has the sort key, the sort: skipping after a stable
// sort keeps the order skipping before it gives.

// fetched is what one Assemble call listed, projected and sorted.
type fetched struct {
	listed    map[listKey][]Row
	projected map[string]loopRows
}

// shareKey names a projection (sorted when sorted is true) of a loop.
func shareKey(l *Loop, sorted bool) string {
	var b strings.Builder
	b.WriteByte(byte(l.Source))
	b.WriteByte(byte(l.MemberForm))
	if sorted {
		b.WriteByte(byte(l.Sort))
		b.WriteString(string(rune(l.SortMember)))
	}
	for _, s := range append([]string{l.Package, l.Prefix, l.Version}, l.Members...) {
		b.WriteString(s)
		b.WriteByte(0)
	}
	return b.String()
}

// project is the package-level project for a loop without an order, with
// the projection and the sort shared between loops.
func (c *fetched) project(l *Loop, lr loopRows) (loopRows, error) {
	if len(l.Members) == 0 {
		return project(l, lr)
	}
	if c.projected == nil {
		c.projected = map[string]loopRows{}
	}
	sk := ""
	if l.Sort != SortNone {
		sk = shareKey(l, true)
		if s, ok := c.projected[sk]; ok {
			return finish(l, s), nil
		}
	}
	pk := shareKey(l, false)
	base, ok := c.projected[pk]
	if !ok {
		docs := make([][]byte, len(lr.rows))
		for i := range lr.rows {
			docs[i] = lr.rows[i].Metadata
		}
		m, err := JSONMembers(docs, l.Members, l.MemberForm)
		if err != nil {
			return loopRows{}, err
		}
		base = loopRows{rows: lr.rows, m: m, keys: len(l.Members), irregular: uint32(len(m.Irregular))}
		c.projected[pk] = base
	}
	if base.irregular > 0 {
		return base, nil
	}
	if l.Sort == SortNone {
		return finish(l, base), nil
	}
	for r := range base.rows {
		if base.value(r, int(l.SortMember)) == nil {
			// A row without the key is irregular unless skipped: the
			// loop's own skip, expect and sort decide.
			lr = finish(l, base)
			if lr.irregular == 0 {
				sortRows(&lr, int(l.SortMember), l.Sort == SortDescending)
			}
			return lr, nil
		}
	}
	s := base
	sortRows(&s, int(l.SortMember), l.Sort == SortDescending)
	c.projected[sk] = s
	return finish(l, s), nil
}

// finish applies a loop's skip and expect items to projected rows.
func finish(l *Loop, lr loopRows) loopRows {
	if len(l.Skip) > 0 {
		skip(l.Skip, &lr)
	}
	for r := range lr.rows {
		for _, it := range l.Items {
			if it.Kind == ItemExpect && !kindIn(lr.value(r, int(it.Member)), it.Names) {
				lr.irregular++
				break
			}
		}
	}
	return lr
}

// size estimates what loop l writes for rows lr: an item under `first` or
// `last` once, the others once a row.
func (lr *loopRows) size(l *Loop) int {
	n, meta := len(lr.rows), 0
	for _, it := range l.Items {
		if it.Kind == ItemMetadata || it.Kind == ItemMember {
			for _, r := range lr.rows {
				meta += len(r.Metadata)
			}
			meta /= max(n, 1)
			break
		}
	}
	each, once := len(l.Separator), 0
	for _, it := range l.Items {
		k := len(it.Text) + 24
		if it.Kind == ItemMetadata || it.Kind == ItemMember {
			k += 64 + meta
		}
		if len(it.When) > 0 && (it.When[0].Test == TestFirst || it.When[0].Test == TestLast) && len(it.When) == 1 {
			once += k
		} else {
			each += k
		}
	}
	return n*each + once
}

// oneRow is the range of rows a loop writes: only the first or the last
// when it has no separator and every item is written under that test
// alone (the other rows would write nothing), else all n.
func oneRow(l *Loop, n int) (from, to int) {
	if len(l.Separator) > 0 || len(l.Items) == 0 || n == 0 {
		return 0, n
	}
	test := l.Items[0].When
	for _, it := range l.Items {
		if len(it.When) != 1 || it.When[0].Test != test[0].Test || test[0].Test != TestFirst && test[0].Test != TestLast {
			return 0, n
		}
	}
	if test[0].Test == TestFirst {
		return 0, 1
	}
	return n - 1, n
}
