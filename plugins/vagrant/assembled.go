package vagrant

import (
	"bytes"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The catalog written by the host from the box files' rows (contract
// 0.7.0, docs/decisions/0014). upload stores in each box file's metadata
// (boxMetadata) its catalogKey, version and provider name. One loop over
// the box's files, sorted by the host on the key, writes a version's head
// on its first file (first/changed on the version) and every provider.
// What a template cannot write is the comma between two providers of one
// version but not before a version's first one (that needs "neither first
// nor changed"; conditions only OR): the loop writes a comma between every
// two files and, on a version's first file but the first, groupMark
// before its "]},"; the document comes back to the guest (return-text) and
// assembledCatalog drops each comma before a groupMark in one pass. A box
// with records of the Vagrant Cloud API (a version's status, external
// provider URLs) or a file stored before (no key) takes the render of
// catalog.go.

// groupMark follows the comma assembledCatalog drops. No other byte of
// the document is one: every string is written as JSON escapes it.
const groupMark = '\x01'

// Members of the catalog loop.
const (
	memKey = iota
	memVersion
	memProvider
)

// catalogTemplate is the catalog of pkg with description desc, its box
// URLs under base (the repository's URL), with the marked commas.
func catalogTemplate(pkg, desc, base string) sdk.Template {
	head := hostjson.AppendJSONString([]byte(`{"name":`), pkg)
	head = hostjson.AppendJSONString(append(head, `,"description":`...), desc)
	head = append(head, `,"versions":[`...)
	url := hostjson.AppendJSONString([]byte(`,"url":`), base+"/")
	url = url[:len(url)-1] // open: the path follows
	versionHead := []hostjson.Condition{{Test: hostjson.TestFirst}, {Test: hostjson.TestChanged, Member: memVersion}}
	return sdk.Template{ReturnText: true,
		Loops: []sdk.Loop{{Source: hostjson.Files, Package: pkg, Prefix: pkg + "/", Limit: maxBoxFiles,
			Separator: []byte(","), Members: []string{"catalog_key", "version", "provider"}, MemberForm: sdk.MemberRaw,
			Sort: hostjson.SortAscending, SortMember: memKey,
			Items: []hostjson.Item{
				{Kind: hostjson.ItemLiteral, Text: []byte{groupMark, ']', '}', ','},
					When: []hostjson.Condition{{Test: hostjson.TestChanged, Member: memVersion}}},
				{Kind: hostjson.ItemLiteral, Text: []byte(`{"version":`), When: versionHead},
				{Kind: hostjson.ItemMember, Member: memVersion, When: versionHead},
				{Kind: hostjson.ItemLiteral, Text: []byte(`,"providers":[`), When: versionHead},
				{Kind: hostjson.ItemLiteral, Text: []byte(`{"name":`)},
				{Kind: hostjson.ItemMember, Member: memProvider},
				{Kind: hostjson.ItemLiteral, Text: url},
				{Kind: hostjson.ItemField, Field: hostjson.FieldPath, Form: hostjson.FormRaw},
				{Kind: hostjson.ItemLiteral, Text: []byte(`","checksum":`)},
				{Kind: hostjson.ItemField, Field: hostjson.FieldSHA256, Form: hostjson.FormJSONString},
				{Kind: hostjson.ItemLiteral, Text: []byte(`,"checksum_type":"sha256"}`)}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: head}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("]}]}")}}}
}

// assembledCatalog is the catalog of pkg from catalogTemplate; ok is false
// when the caller must render it: the box has API records or no file, a
// file has no key, or the host has no assemble.
func assembledCatalog(h sdk.Host, req *sdk.Request, pkg string) ([]byte, bool, error) {
	for _, prefix := range []string{"version:", "provider:"} {
		if recs, err := h.KVList(cloudNS, prefix+pkg+"/", "", 1); err != nil || len(recs) > 0 {
			return nil, false, err
		}
	}
	desc, _, err := h.KVGet(boxNS, pkg)
	if err != nil {
		return nil, false, err
	}
	a, err := sdk.Assemble(h, catalogTemplate(pkg, string(desc), req.Repo.BaseURL))
	if err != nil || a.Irregular > 0 || len(a.Rows) != 1 || a.Rows[0] == 0 || a.Text == nil {
		return nil, false, nil
	}
	doc := a.Text
	out := doc[:0] // written in place: the output never passes the input
	for i := 0; ; {
		j := bytes.IndexByte(doc[i:], groupMark)
		if j < 0 {
			return append(out, doc[i:]...), true, nil
		}
		if j == 0 || doc[i+j-1] != ',' {
			return nil, false, nil
		}
		out = append(out, doc[i:i+j-1]...)
		i += j + 1
	}
}
