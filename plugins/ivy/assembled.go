package ivy

import (
	"bytes"
	"encoding/xml"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The Maven view's maven-metadata.xml from the host's assemble (contract
// 0.6.0/0.7.0, docs/decisions/0014): one return-text loop writes each
// revision's creation time and version (HTML-escaped, which is what
// encoding/xml writes for & < > " ') one a line, so neither the version
// rows nor their metadata enter the guest, and the guest writes the
// document by hand (listedMetadata marshals it with encoding/xml).
// A revision whose ivy.xml has not arrived has no metadata (published
// ones have {"publication":…,"status":…}): a second loop, which writes
// nothing, counts the rows whose metadata does not start with "{" by
// skipping the others, and when it counts one the document is listed and
// rendered as before (no member is projected: the test is a prefix
// compare). So it is when a version needs an escape HTML does not write
// (a control byte, a byte above ASCII) or the module has more revisions
// than listedMetadata reads (assembled_internal_test.go compares the bytes).

// metadataTemplate lists the module's revisions as "<unix ms> <version>"
// lines; its second loop counts the unpublished ones.
func metadataTemplate(pkg string) sdk.Template {
	return sdk.Template{ReturnText: true, Parts: []sdk.Part{{Kind: hostjson.PartLoop}, {Kind: hostjson.PartLoop, Loop: 1}},
		Loops: []sdk.Loop{
			{Source: hostjson.Versions, Package: pkg, Limit: maxListed, Items: metadataItems},
			{Source: hostjson.Versions, Package: pkg, Limit: maxListed, Skip: skipPublished}}}
}

var (
	metadataItems = []hostjson.Item{
		{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormUnixMs},
		{Kind: hostjson.ItemLiteral, Text: []byte(" ")},
		{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormHTML},
		{Kind: hostjson.ItemLiteral, Text: []byte("\n")}}
	skipPublished = []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{"{"}}}
)

// assembledMetadata writes the module's maven-metadata.xml; ok is false
// when the caller must list and render it (also when it has no revision:
// the caller answers 404).
func assembledMetadata(h sdk.Host, m mavenPath) ([]byte, bool) {
	a, err := sdk.Assemble(h, metadataTemplate(m.Group+":"+m.Module))
	if err != nil || a.Text == nil || a.Irregular > 0 || len(a.Rows) != 2 || a.Rows[0] == 0 || a.Rows[1] > 0 {
		return nil, false
	}
	text := a.Text
	// Every byte a version may hold here is ASCII above the control range,
	// where the HTML escape is encoding/xml's.
	for _, c := range text {
		if c < ' ' && c != '\n' || c > '~' {
			return nil, false
		}
	}
	var newest int64
	var latest []byte
	rows := 0
	for line := text; len(line) > 0; rows++ {
		nl := bytes.IndexByte(line, '\n')
		ms, sp, ok := leadingMs(line)
		if nl < 0 || !ok || sp > nl {
			return nil, false
		}
		if ms >= newest {
			newest, latest = ms, line[sp+1:nl]
		}
		line = line[nl+1:]
	}
	if rows != int(a.Rows[0]) {
		return nil, false
	}
	b := make([]byte, 0, 2*len(text)+256+len(m.Group)+len(m.Module))
	b = append(b, xml.Header+"<metadata>\n  <groupId>"...)
	b = appendXMLText(b, m.Group)
	b = append(b, "</groupId>\n  <artifactId>"...)
	b = appendXMLText(b, m.Module)
	b = append(b, "</artifactId>\n  <versioning>\n    <latest>"...)
	b = append(append(b, latest...), "</latest>\n    <release>"...)
	b = append(append(b, latest...), "</release>\n    <versions>\n"...)
	for line := text; len(line) > 0; {
		nl := bytes.IndexByte(line, '\n')
		b = append(b, "      <version>"...)
		b = append(b, line[bytes.IndexByte(line, ' ')+1:nl]...)
		b = append(b, "</version>\n"...)
		line = line[nl+1:]
	}
	b = append(b, "    </versions>\n    <lastUpdated>"...)
	b = appendLastUpdated(b, newest)
	return append(b, "</lastUpdated>\n  </versioning>\n</metadata>\n"...), true
}

// appendXMLText appends s escaped as encoding/xml escapes character data.
func appendXMLText(b []byte, s string) []byte {
	var buf bytes.Buffer
	_ = xml.EscapeText(&buf, []byte(s)) // a bytes.Buffer does not fail
	return append(b, buf.Bytes()...)
}

// leadingMs reads the unix ms time a line starts with (a minus sign and
// up to 18 digits) and the index of the space after it.
func leadingMs(line []byte) (ms int64, sp int, ok bool) {
	neg := len(line) > 0 && line[0] == '-'
	if neg {
		sp = 1
	}
	start := sp
	for ; sp < len(line) && sp-start < 19 && line[sp] >= '0' && line[sp] <= '9'; sp++ {
		ms = ms*10 + int64(line[sp]-'0')
	}
	if sp == start || sp-start > 18 || sp >= len(line) || line[sp] != ' ' {
		return 0, 0, false
	}
	if neg {
		ms = -ms
	}
	return ms, sp, true
}
