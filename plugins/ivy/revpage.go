package ivy

import (
	"bytes"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The revision listing (ORG/MODULE/) without sorting in the guest: one
// return-text loop writes the module's revisions a line, in the listing's
// order, and the guest writes each entry as it reads the lines. That is
// renderListing's page when every revision is a valid segment (whose bytes
// HTML does not escape) and the listing's order is already the entries'
// order (each revision followed by "/": a revision that is a prefix of
// another followed by '+', '-' or '.' sorts after it there, before it in
// the listing). Otherwise listRevisions reads and sorts them as before
// (listing_internal_test.go compares the pages). The host writing whole
// entry lines was tried: the three times longer text cost more to bring
// into the guest than writing the entries there.

// revisionLine is the loop's items: a revision a line.
var revisionLine = []hostjson.Item{
	{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormRaw},
	{Kind: hostjson.ItemLiteral, Text: []byte("\n")}}

// revisionPage is the listing page of the module segs names; ok is false
// when listRevisions must list it (also when it has no revision).
func revisionPage(h sdk.Host, segs []string) ([]byte, bool) {
	t := sdk.Template{ReturnText: true, Parts: []sdk.Part{{Kind: hostjson.PartLoop}},
		Loops: []sdk.Loop{{Source: hostjson.Versions, Package: segs[0] + ":" + segs[1], Limit: maxListed, Items: revisionLine}}}
	a, err := sdk.Assemble(h, t)
	if err != nil || len(a.Rows) != 1 || a.Rows[0] == 0 || bytes.Count(a.Text, []byte{'\n'}) != int(a.Rows[0]) {
		return nil, false
	}
	head := listingHead(segs)
	b := make([]byte, 0, len(head)+2*len(a.Text)+int(a.Rows[0])*len(`<a href="/">/</a>`)+len(listingTail))
	b = append(b, head...)
	var prev []byte
	for text := a.Text; len(text) > 0; {
		nl := bytes.IndexByte(text, '\n')
		rev := text[:nl]
		if !validSegment(rev) || prev != nil && slashCompare(prev, rev) >= 0 {
			return nil, false
		}
		b = append(b, `<a href="`...)
		b = append(b, rev...)
		b = append(b, `/">`...)
		b = append(b, rev...)
		b = append(b, "/</a>\n"...)
		prev, text = rev, text[nl+1:]
	}
	return append(b, listingTail...), true
}

// slashCompare compares a+"/" with b+"/".
func slashCompare(a, b []byte) int {
	n := min(len(a), len(b))
	if c := bytes.Compare(a[:n], b[:n]); c != 0 || len(a) == len(b) {
		return c
	}
	if len(a) < len(b) {
		if b[n] == '/' {
			return -1 // a+"/" is a prefix of b+"/"
		}
		return int('/') - int(b[n])
	}
	return -slashCompare(b, a)
}
