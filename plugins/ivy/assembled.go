package ivy

import (
	"bytes"
	"encoding/xml"
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The Maven view's maven-metadata.xml from the host's assemble (contract
// 0.6.0/0.7.0, docs/decisions/0014): one return-text loop writes each
// revision's creation time and version (HTML-escaped, which is what
// encoding/xml writes for & < > " ') one a line, so neither the version
// rows nor their metadata enter the guest, and the guest writes the
// document by hand (listedMetadata marshals it with encoding/xml).
// A revision whose ivy.xml has not arrived has no metadata: projecting
// its "status" makes it irregular and the document is listed and
// rendered as before, as it is when a version needs an escape HTML does
// not write (a control byte, a byte above ASCII) or the module has more
// revisions than listedMetadata reads (assembled_internal_test.go compares
// the bytes).

// assembledMetadata writes the module's maven-metadata.xml; ok is false
// when the caller must list and render it (also when it has no revision:
// the caller answers 404).
func assembledMetadata(h sdk.Host, m mavenPath) ([]byte, bool) {
	loop := sdk.Loop{Source: hostjson.Versions, Package: m.Group + ":" + m.Module, Limit: maxListed,
		Members: []string{"status"}, MemberForm: sdk.MemberRaw,
		Items: []hostjson.Item{
			{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormUnixMs},
			{Kind: hostjson.ItemLiteral, Text: []byte(" ")},
			{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormHTML},
			{Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}
	a, err := sdk.Assemble(h, sdk.Template{Loops: []sdk.Loop{loop}, ReturnText: true,
		Parts: []sdk.Part{{Kind: hostjson.PartLoop}}})
	if err != nil || a.Text == nil || a.Irregular > 0 || len(a.Rows) != 1 || a.Rows[0] == 0 {
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
		sp := bytes.IndexByte(line, ' ')
		if nl < 0 || sp < 0 || sp > nl {
			return nil, false
		}
		ms, err := strconv.ParseInt(string(line[:sp]), 10, 64)
		if err != nil {
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
	b = append(b, lastUpdated(newest)...)
	return append(b, "</lastUpdated>\n  </versioning>\n</metadata>\n"...), true
}

// appendXMLText appends s escaped as encoding/xml escapes character data.
func appendXMLText(b []byte, s string) []byte {
	var buf bytes.Buffer
	_ = xml.EscapeText(&buf, []byte(s)) // a bytes.Buffer does not fail
	return append(b, buf.Bytes()...)
}
