package hostjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"strconv"
	"time"
)

// Limits of one assemble call (the WIT documents them).
const (
	MaxLoops     = 64
	MaxPieces    = 4096
	MaxText      = 1 << 20
	MaxRows      = 100_000
	MaxAssembled = 64 << 20
	pageRows     = 1000
)

// Errors of assemble, named as the host reports them.
var (
	ErrTemplateTooLarge  = errors.New("assemble: template too large")
	ErrTooManyRows       = errors.New("assemble: too many rows")
	ErrAssembledTooLarge = errors.New("assemble: output too large")
	ErrBadTemplate       = errors.New("assemble: bad template")
)

// Assemble builds the document t describes from the rows rs lists, at most
// maxOut bytes (MaxAssembled when 0 or larger).
func Assemble(rs Rows, t Template, maxOut int) (Result, error) {
	if maxOut <= 0 || maxOut > MaxAssembled {
		maxOut = MaxAssembled
	}
	if err := check(t); err != nil {
		return Result{}, err
	}
	loops := make([]loopRows, len(t.Loops))
	res := Result{Rows: make([]uint32, len(t.Loops))}
	c := &fetched{listed: map[listKey][]Row{}}
	for i := range t.Loops {
		lr, err := fetch(rs, &t.Loops[i], c)
		if err != nil {
			return Result{}, err
		}
		loops[i] = lr
		res.Rows[i] = uint32(lr.total)
		res.Irregular += lr.irregular
	}
	if res.Irregular > 0 {
		return res, nil
	}
	size := 0
	for _, p := range t.Parts {
		size += len(p.Text) + 32
		if p.Kind == PartLoop {
			size += loops[p.Loop].size(&t.Loops[p.Loop])
		}
	}
	w := writer{out: make([]byte, 0, min(size+1024, maxOut)), max: maxOut}
	for _, p := range t.Parts {
		lr := &loops[min(int(p.Loop), max(len(loops)-1, 0))]
		switch p.Kind {
		case PartLiteral:
			w.write(p.Text)
		case PartLoop:
			w.loop(&t.Loops[p.Loop], lr)
		case PartCount:
			w.out = strconv.AppendInt(w.out, int64(len(lr.rows)), 10)
		case PartTotal:
			w.out = strconv.AppendInt(w.out, int64(lr.total), 10)
		case PartMinCreated, PartMaxCreated:
			if len(lr.rows) == 0 {
				continue
			}
			at := lr.rows[0].CreatedMs
			if len(p.Text) > 0 {
				// check parsed it: a time counted with the rows' (0.8.0).
				at, _ = strconv.ParseInt(string(p.Text), 10, 64)
			}
			for _, r := range lr.rows {
				if p.Kind == PartMinCreated && r.CreatedMs < at || p.Kind == PartMaxCreated && r.CreatedMs > at {
					at = r.CreatedMs
				}
			}
			w.time(at, p.Form)
		}
		if w.err != nil {
			return Result{}, w.err
		}
	}
	if len(w.out) > maxOut {
		return Result{}, ErrAssembledTooLarge
	}
	res.Doc = w.out
	return res, nil
}

// check validates the template's sizes, enums and indexes.
func check(t Template) error {
	if len(t.Loops) > MaxLoops {
		return ErrTemplateTooLarge
	}
	pieces, text := len(t.Parts), 0
	for _, p := range t.Parts {
		text += len(p.Text)
		if p.Kind > PartTotal || p.Kind != PartLiteral && int(p.Loop) >= len(t.Loops) {
			return ErrBadTemplate
		}
		if p.Kind == PartMinCreated || p.Kind == PartMaxCreated {
			if !timeForm(p.Form) {
				return ErrBadTemplate
			}
			if _, err := strconv.ParseInt(string(p.Text), 10, 64); len(p.Text) > 0 && err != nil {
				return ErrBadTemplate
			}
		}
	}
	for _, l := range t.Loops {
		pieces += len(l.Items) + len(l.Replace)
		text += len(l.Separator) + len(l.Package) + len(l.Prefix) + len(l.Version)
		if l.Source > Files || l.MemberForm > Raw || len(l.Members) > MaxKeys || l.Limit > MaxRows || len(l.Order) > MaxRows || l.Offset > MaxRows || l.Count > MaxRows ||
			l.Sort > SortDescending || l.Sort != SortNone && (len(l.Order) > 0 || int(l.SortMember) >= len(l.Members)) {
			return ErrBadTemplate
		}
		for _, o := range l.Order {
			text += len(o.Key)
			pieces += len(o.Texts)
			for _, t := range o.Texts {
				text += len(t)
			}
		}
		for _, r := range l.Replace {
			text += len(r.Pattern) + len(r.With)
			if len(r.Pattern) == 0 {
				return ErrBadTemplate
			}
		}
		pieces += len(l.Skip)
		for _, c := range l.Skip {
			if c.Test == TestFirst || c.Test == TestChanged || c.Test == TestLast || c.Test == TestSame || !validCondition(c, l) {
				return ErrBadTemplate
			}
		}
		for _, it := range l.Items {
			text += len(it.Text)
			pieces += len(it.When)
			if !validItem(it, l) {
				return ErrBadTemplate
			}
			for _, c := range it.When {
				if !validCondition(c, l) {
					return ErrBadTemplate
				}
			}
		}
	}
	if pieces > MaxPieces || text > MaxText {
		return ErrTemplateTooLarge
	}
	return nil
}

func validCondition(c Condition, l Loop) bool {
	switch c.Test {
	case TestMetadataPrefix, TestFirst, TestDated, TestLast:
		return true
	}
	return (c.Test <= TestChanged || c.Test == TestSame) && int(c.Member) < len(l.Members)
}

func validItem(it Item, l Loop) bool {
	switch it.Kind {
	case ItemLiteral, ItemMetadata, ItemRowText:
		return true
	case ItemMember, ItemExpect:
		return int(it.Member) < len(l.Members)
	case ItemField:
		if it.Field > FieldCreated || it.Form > FormYMDHMS {
			return false
		}
		if l.Source == Versions && it.Field != FieldPackage && it.Field != FieldVersion && it.Field != FieldCreated {
			return false
		}
		return timeForm(it.Form) == (it.Field == FieldCreated)
	}
	return false
}

// timeForm reports whether form writes a time (created).
func timeForm(form FieldForm) bool {
	return form == FormISOMs || form == FormUnixMs || form == FormISOUs || form == FormYMDHMS
}

// kindIn reports whether v is absent or its JSON kind is one of names.
func kindIn(v []byte, names []string) bool {
	if v == nil {
		return true
	}
	kind := "number"
	switch v[0] {
	case 'n':
		kind = "null"
	case 't':
		kind = "true"
	case 'f':
		kind = "false"
	case '"':
		kind = "string"
	case '[':
		kind = "array"
	case '{':
		kind = "object"
	}
	for _, n := range names {
		if n == kind {
			return true
		}
	}
	return false
}

type writer struct {
	out []byte
	max int
	err error
}

func (w *writer) write(b []byte) { w.out = append(w.out, b...) }

func (w *writer) time(ms int64, form FieldForm) {
	if form == FormUnixMs {
		w.out = strconv.AppendInt(w.out, ms, 10)
		return
	}
	if form == FormISOUs {
		w.out = time.UnixMilli(ms).UTC().AppendFormat(w.out, "2006-01-02T15:04:05.000000Z")
		return
	}
	if form == FormYMDHMS {
		w.out = time.UnixMilli(ms).UTC().AppendFormat(w.out, "20060102150405")
		return
	}
	w.out = time.UnixMilli(ms).UTC().AppendFormat(w.out, "2006-01-02T15:04:05.000Z")
}

func (w *writer) loop(l *Loop, lr *loopRows) {
	from, to := oneRow(l, len(lr.rows))
	for r := from; r < to; r++ {
		if r > 0 {
			w.write(l.Separator)
		}
		row := lr.rows[r]
		for _, it := range l.Items {
			if len(it.When) > 0 && !lr.holds(r, row, it.When) {
				continue
			}
			switch it.Kind {
			case ItemLiteral:
				w.write(it.Text)
			case ItemField:
				w.field(row, it.Field, it.Form)
			case ItemMetadata:
				w.replaced(row.Metadata, l.Replace)
			case ItemMember:
				w.replaced(lr.value(r, int(it.Member)), l.Replace)
			case ItemRowText:
				if lr.texts != nil && int(it.Member) < len(lr.texts[r]) {
					w.write(lr.texts[r][it.Member])
				}
			}
		}
		if len(w.out) > w.max {
			w.err = ErrAssembledTooLarge
			return
		}
	}
}

// holds reports whether one of conds holds for row r.
func (lr *loopRows) holds(r int, row *Row, conds []Condition) bool {
	for _, c := range conds {
		if c.Test == TestMetadataPrefix {
			for _, p := range c.Names {
				if bytes.HasPrefix(row.Metadata, []byte(p)) {
					return true
				}
			}
			continue
		}
		if c.Test == TestFirst || c.Test == TestDated || c.Test == TestLast {
			if c.Test == TestFirst && r == 0 || c.Test == TestDated && row.CreatedMs > 0 || c.Test == TestLast && r == len(lr.rows)-1 {
				return true
			}
			continue
		}
		v := lr.value(r, int(c.Member))
		switch c.Test {
		case TestChanged:
			if r > 0 && !bytes.Equal(v, lr.value(r-1, int(c.Member))) {
				return true
			}
		case TestSame:
			if r > 0 && bytes.Equal(v, lr.value(r-1, int(c.Member))) {
				return true
			}
		case TestPresent:
			if v != nil {
				return true
			}
		case TestAbsent:
			if v == nil {
				return true
			}
		case TestIsTrue:
			if string(v) == "true" {
				return true
			}
		case TestHasKey:
			if hasKey(v, c.Names) {
				return true
			}
		}
	}
	return false
}

// hasKey reports whether v is a JSON object with a member whose decoded
// name is one of names (as encoding/json decodes the keys of a map).
func hasKey(v []byte, names []string) bool {
	i := SkipWS(v, 0)
	if i >= len(v) || v[i] != '{' {
		return false
	}
	i = SkipWS(v, i+1)
	for i < len(v) && v[i] == '"' {
		ke, esc, err := SkipString(v, i)
		if err != nil {
			return false
		}
		key := string(v[i+1 : ke-1])
		if esc {
			if json.Unmarshal(v[i:ke], &key) != nil {
				return false
			}
		}
		for _, n := range names {
			if key == n {
				return true
			}
		}
		i = SkipWS(v, ke)
		if i >= len(v) || v[i] != ':' {
			return false
		}
		ve, err := skipValue(v, i+1, 1)
		if err != nil {
			return false
		}
		i = SkipWS(v, ve)
		if i >= len(v) || v[i] != ',' {
			return false
		}
		i = SkipWS(v, i+1)
	}
	return false
}

func (w *writer) field(r *Row, f Field, form FieldForm) {
	var s string
	switch f {
	case FieldPackage:
		s = r.Package
	case FieldVersion:
		s = r.Version
	case FieldPath:
		s = r.Path
	case FieldSHA256:
		s = r.SHA256
	case FieldSHA1:
		s = r.SHA1
	case FieldMD5:
		s = r.MD5
	case FieldSHA512:
		s = r.SHA512
	case FieldSize:
		w.out = strconv.AppendInt(w.out, r.Size, 10)
		return
	case FieldCreated:
		w.time(r.CreatedMs, form)
		return
	}
	switch form {
	case FormJSONString:
		w.out = AppendJSONString(w.out, s)
	case FormHTML:
		w.out = append(w.out, html.EscapeString(s)...)
	case FormURLPath:
		w.out = appendURLPath(w.out, s)
	case FormJSONText:
		w.out = AppendJSONText(w.out, s)
	case FormXML:
		w.out = AppendXML(w.out, s)
	default:
		w.out = append(w.out, s...)
	}
}

// replaced writes v with every pattern of rs replaced, left to right,
// without overlap (the first pattern matching at a position wins).
func (w *writer) replaced(v []byte, rs []Replacement) {
	if len(rs) == 1 {
		pat, with := rs[0].Pattern, rs[0].With
		for {
			i := bytes.Index(v, pat)
			if i < 0 {
				w.write(v)
				return
			}
			w.write(v[:i])
			w.write(with)
			v = v[i+len(pat):]
		}
	}
	for len(rs) > 0 {
		best, at := -1, len(v)
		for k, r := range rs {
			if i := bytes.Index(v[:min(len(v), at+len(r.Pattern))], r.Pattern); i >= 0 && i < at {
				best, at = k, i
			}
		}
		if best < 0 {
			break
		}
		w.write(v[:at])
		w.write(rs[best].With)
		v = v[at+len(rs[best].Pattern):]
	}
	w.write(v)
}
