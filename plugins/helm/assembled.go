package helm

import (
	"bytes"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// index.yaml through the host's assemble (contract 0.7.0,
// docs/decisions/0014): one template whose loop walks the chart files,
// leaves out the provenance files, is sorted by the host on the indexKey
// each chart's metadata got at upload (sortkey.go), writes a chart's head
// line on its first version (first/changed) and copies the entry's
// pre-rendered Chart.yaml fields (indexYAML). The bytes are RenderIndex's:
// a chart stored before indexKey existed (or whose values indexKey
// refused) makes the document irregular and the guest renders the index as
// before (assembled_test.go checks the bytes against RenderIndex).
//
// The host writes times with three fraction digits; RenderIndex drops
// trailing zeros (as helm's RFC 3339 times), so the document comes back to
// the guest (return-text) for trimTimes, one pass without any decoding.

// Members of the index loop.
const (
	memYAML = iota
	memKey
	memHead
)

// provenanceMeta is how a provenance file's stored metadata starts (upload.go).
const provenanceMeta = `{"provenance":true}`

// isoMsLen is the length of a host's iso-ms time of the years 0…9999.
const isoMsLen = len("2006-01-02T15:04:05.000Z")

const createdLine = "\n  - created: \""

// timeMark precedes each entry's created time in the assembled document,
// so trimTimes finds them with IndexByte: no other byte of the document
// is one (every string is quoted, URLs are escaped, the only control bytes
// are line ends); trimTimes checks that each stands after createdLine.
const timeMark = '\x01'

// assembledIndex builds index.yaml in the host. ok is false when the
// caller must render it itself (no chart, an irregular row, a base URL
// RenderIndex would escape, a host without assemble or over its limits).
func assembledIndex(h sdk.Host, base string) ([]byte, bool) {
	for i := 0; i < len(base); i++ {
		if c := base[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return nil, false
		}
	}
	a, err := sdk.Assemble(h, indexTemplate(base))
	if err != nil || a.Text == nil || a.Irregular > 0 || len(a.Rows) == 0 || a.Rows[0] == 0 {
		return nil, false
	}
	return trimTimes(a.Text, int(a.Rows[0]))
}

func lit(s string) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s)} }

func field(f hostjson.Field, form hostjson.FieldForm) hostjson.Item {
	return hostjson.Item{Kind: hostjson.ItemField, Field: f, Form: form}
}

// indexTemplate is RenderIndex as a template (times untrimmed).
func indexTemplate(base string) sdk.Template {
	head := hostjson.Item{Kind: hostjson.ItemMember, Member: memHead, When: []hostjson.Condition{
		{Test: hostjson.TestFirst}, {Test: hostjson.TestChanged, Member: memHead}}}
	charts := sdk.Loop{Source: hostjson.Files, Prefix: "charts/", Limit: hostjson.MaxRows,
		Members: []string{"indexYAML", "indexKey", "indexHead"}, MemberForm: sdk.MemberText,
		Sort: hostjson.SortAscending, SortMember: memKey,
		Skip: []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{provenanceMeta}}},
		Items: []hostjson.Item{head,
			lit(createdLine[1:] + string(timeMark)), field(hostjson.FieldCreated, hostjson.FormISOMs),
			lit("\"\n    digest: \""), field(hostjson.FieldSHA256, hostjson.FormRaw), lit("\"\n"),
			{Kind: hostjson.ItemMember, Member: memYAML},
			lit("    urls:\n    - \"" + base + "/"), field(hostjson.FieldPath, hostjson.FormURLPath), lit("\"\n")}}
	return sdk.Template{Loops: []sdk.Loop{charts}, ReturnText: true, Parts: []sdk.Part{
		{Kind: hostjson.PartLiteral, Text: []byte("apiVersion: v1\nentries:\n")},
		{Kind: hostjson.PartLoop},
		{Kind: hostjson.PartLiteral, Text: []byte("generated: \"")},
		{Kind: hostjson.PartMaxCreated, Form: hostjson.FormISOMs},
		{Kind: hostjson.PartLiteral, Text: []byte("\"\n")}}}
}

// trimTimes rewrites the host's iso-ms times of doc (each entry's created,
// after its timeMark, and the last line's generated) as appendTimestamp
// writes them, in place, and drops the generated line when no chart is
// dated (RenderIndex omits it then). ok is false when doc does not have
// the shape indexTemplate gives it (rows entries, times of four-digit
// years).
func trimTimes(doc []byte, rows int) ([]byte, bool) {
	const genLine = "generated: \""
	gen := len(doc) - len(genLine) - isoMsLen - 2
	if gen < 1 || string(doc[gen:gen+len(genLine)]) != genLine || doc[gen-1] != '\n' {
		return nil, false
	}
	var stamp [isoMsLen + 1]byte
	copy(stamp[:], doc[gen+len(genLine):])
	out := doc[:0] // the output never passes the input: written in place
	i, n := 0, 0
	for {
		j := bytes.IndexByte(doc[i:gen], timeMark)
		if j < 0 {
			break
		}
		t := i + j
		if t < len(createdLine) || string(doc[t-len(createdLine):t]) != createdLine {
			return nil, false
		}
		out = append(out, doc[i:t]...)
		var ok bool
		if out, ok = appendTrimmed(out, doc[t+1:min(t+isoMsLen+2, gen)]); !ok {
			return nil, false
		}
		i, n = t+isoMsLen+2, n+1
	}
	if n != rows {
		return nil, false
	}
	out = append(out, doc[i:gen]...)
	trimmed, ok := appendTrimmed(append(out, genLine...), stamp[:])
	if !ok {
		return nil, false
	}
	if string(stamp[:isoMsLen]) <= "1970-01-01T00:00:00.000Z" {
		return out, true // no dated chart
	}
	return append(trimmed, '\n'), true
}

// appendTrimmed appends the iso-ms time at the start of s (followed by a
// quote) without the fraction's trailing zeros.
func appendTrimmed(dst, s []byte) ([]byte, bool) {
	if len(s) != isoMsLen+1 || s[isoMsLen] != '"' || s[isoMsLen-1] != 'Z' {
		return nil, false
	}
	for k, c := range s[:isoMsLen-1] {
		want := byte('0')
		switch k {
		case 4, 7:
			want = '-'
		case 10:
			want = 'T'
		case 13, 16:
			want = ':'
		case 19:
			want = '.'
		}
		if want == '0' && (c < '0' || c > '9') || want != '0' && c != want {
			return nil, false
		}
	}
	frac := bytes.TrimRight(s[20:23], "0")
	dst = append(dst, s[:19]...)
	if len(frac) > 0 {
		dst = append(append(dst, '.'), frac...)
	}
	return append(dst, 'Z', '"'), true
}
