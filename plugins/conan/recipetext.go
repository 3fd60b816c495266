package conan

import (
	"bytes"
	"slices"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The revision list and the latest revision are written from text the host
// builds (the assemble import with return-text, contracts 0.6.0/0.7.0,
// docs/decisions/0012 and 0014): one line per recipe revision,
//
//	<created unix ms> {"revision":ID,"time":"<created, ISO 8601 with ms>"}
//
// so neither the rows nor their metadata enter the guest, and the guest
// does not format times or escape ids: it orders the lines by time (a
// packed integer sort) and copies each object with the milliseconds cut
// (the client's time has none, appendTime). The host cannot order them
// itself: the order is by the time the host gives a row when it commits
// it, which no key stored at upload can hold. Package revisions (their
// metadata is {"conaninfo":…}) are skipped by the host. The caller reads
// the rows as before when the text is not what the host counted (a
// revision with a line break), a time is outside 1970…9999, or an id
// holds an escape (ties are ordered by the id's bytes).

// maxTextMs is 9999-12-31T23:59:59.999Z, the last time both the host's
// ISO form and appendTime write with four year digits.
const maxTextMs = 253402300799999

// revisionLine is one recipe revision of the text: its time and its
// object without the milliseconds (obj[:len(obj)-7] + `Z"}`).
type revisionLine struct {
	ms  int64
	obj []byte
}

// revisionTemplate lists rf's recipe revisions as above; for the latest
// one only (latest) each line is "<created unix ms> <ID as a JSON string>":
// one revision's time is cheaper to write in the guest than 200 in the host.
func revisionTemplate(rf ref, latest bool) sdk.Template {
	items := []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormUnixMs},
		{Kind: hostjson.ItemLiteral, Text: []byte(` {"revision":`)},
		{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormJSONString},
		{Kind: hostjson.ItemLiteral, Text: []byte(`,"time":"`)},
		{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormISOMs},
		{Kind: hostjson.ItemLiteral, Text: []byte("\"}\n")}}
	if latest {
		items = []hostjson.Item{items[0], {Kind: hostjson.ItemLiteral, Text: []byte(" ")}, items[2],
			{Kind: hostjson.ItemLiteral, Text: []byte("\n")}}
	}
	return sdk.Template{ReturnText: true, Loops: []sdk.Loop{{Source: hostjson.Versions, Package: rf.String(), Limit: maxEntries,
		Skip:  []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{`{"conaninfo"`}}},
		Items: items}},
		Parts: []sdk.Part{{Kind: hostjson.PartLoop}}}
}

// eachLine calls f with each line of a's text ("<unix ms> <rest>", as
// many lines as the host counted rows); false when the text is not that,
// a time is outside 1970…9999, or f answers false.
func eachLine(a sdk.Assembled, err error, f func(ms int64, rest []byte) bool) bool {
	if err != nil || len(a.Rows) != 1 {
		return false
	}
	n := 0
	for text := a.Text; len(text) > 0; n++ {
		end := bytes.IndexByte(text, '\n')
		if end < 0 {
			return false
		}
		line := text[:end]
		text = text[end+1:]
		var ms int64
		i := 0
		for ; i < len(line) && line[i] >= '0' && line[i] <= '9' && i < 16; i++ {
			ms = ms*10 + int64(line[i]-'0')
		}
		if i == 0 || i == len(line) || line[i] != ' ' || ms > maxTextMs || !f(ms, line[i+1:]) {
			return false
		}
	}
	return n == int(a.Rows[0])
}

// revisionLines reads rf's recipe revisions from revisionTemplate in the
// listing's order; ok is false when the caller must read the rows.
func revisionLines(h sdk.Host, rf ref) ([]revisionLine, bool) {
	const suffix = len(`,"time":"2006-01-02T15:04:05.000Z"}`)
	a, err := sdk.Assemble(h, revisionTemplate(rf, false))
	var out []revisionLine
	if len(a.Rows) == 1 {
		out = make([]revisionLine, 0, a.Rows[0])
	}
	ok := eachLine(a, err, func(ms int64, obj []byte) bool {
		if len(obj) < len(`{"revision":""`)+suffix || obj[len(obj)-7] != '.' {
			return false
		}
		id := obj[len(`{"revision":"`) : len(obj)-suffix-1]
		if bytes.IndexByte(id, '\\') >= 0 {
			return false
		}
		if bytes.IndexByte(id, ':') < 0 { // else a package revision
			out = append(out, revisionLine{ms: ms, obj: obj})
		}
		return true
	})
	return out, ok
}

// latestRevision is the object of rf's newest recipe revision (newest
// time, then smallest id), nil when it has none; ok is false when the
// caller must read the rows.
func latestRevision(h sdk.Host, rf ref) ([]byte, bool) {
	a, err := sdk.Assemble(h, revisionTemplate(rf, true))
	var best []byte
	bestMs := int64(-1)
	ok := eachLine(a, err, func(ms int64, id []byte) bool {
		if len(id) < 2 || id[0] != '"' || bytes.IndexByte(id, '\\') >= 0 {
			return false
		}
		if bytes.IndexByte(id, ':') < 0 && (ms > bestMs || ms == bestMs && bytes.Compare(id[1:len(id)-1], best[1:len(best)-1]) < 0) {
			best, bestMs = id, ms
		}
		return true
	})
	if !ok || best == nil {
		return nil, ok
	}
	b := append(append([]byte(`{"revision":`), best...), `,"time":"`...)
	return append(appendTime(b, bestMs), `"}`...), true
}

// id is the revision's id as the object writes it (no escapes: checked).
func (l revisionLine) id() []byte {
	return l.obj[len(`{"revision":"`) : len(l.obj)-len(`","time":"2006-01-02T15:04:05.000Z"}`)]
}

// appendObject appends {"revision":ID,"time":"…Z"} without milliseconds.
func (l revisionLine) appendObject(b []byte) []byte {
	return append(append(b, l.obj[:len(l.obj)-7]...), `Z"}`...)
}

// newestLines orders ls newest first, equal times by id (newestFirst's
// order), as one sort of packed integers (time, then index).
func newestLines(ls []revisionLine) []revisionLine {
	idx := 0
	for n := len(ls); n > 0; n >>= 1 {
		idx++
	}
	if idx > 64-48 { // maxTextMs < 1<<48: more lines than the packed keys hold

		slices.SortStableFunc(ls, func(a, b revisionLine) int {
			if a.ms != b.ms {
				return int(b.ms - a.ms)
			}
			return bytes.Compare(a.id(), b.id())
		})
		return ls
	}
	keys := make([]uint64, len(ls))
	for i, l := range ls {
		keys[i] = uint64(l.ms)<<idx | uint64(i)
	}
	slices.Sort(keys)
	mask := uint64(1)<<idx - 1
	out := make([]revisionLine, len(ls))
	for i, k := range keys {
		out[len(ls)-1-i] = ls[k&mask]
	}
	for i := 0; i < len(out); { // equal times: ascending ids
		j := i + 1
		for j < len(out) && out[j].ms == out[i].ms {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(out[i:j], func(a, b revisionLine) int { return bytes.Compare(a.id(), b.id()) })
		}
		i = j
	}
	return out
}

// revisionListText is the body of recipeRevisions from lines.
func revisionListText(reference string, ls []revisionLine) []byte {
	b := make([]byte, 0, 64+len(reference)+len(ls)*(len(`,"time":"2006-01-02T15:04:05Z"}`)+48))
	b = sdk.AppendJSONString(append(b, `{"reference":`...), reference)
	b = append(b, `,"revisions":[`...)
	for i, l := range newestLines(ls) {
		if i > 0 {
			b = append(b, ',')
		}
		b = l.appendObject(b)
	}
	return append(b, "]}"...)
}
