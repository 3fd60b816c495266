package cargo

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The index file through the host's assemble (contract 0.7.0,
// docs/decisions/0014): one template whose loop walks the crate's versions,
// sorted by the host on the sortKey each version's stored wrapper holds
// (stored.go), and copies each indexLine as it is stored (raw member form),
// a line end after each. The bytes are renderIndex's: a version stored as a
// bare line (before the wrapper) or without metadata makes the document
// irregular and the guest renders it as before (assembled_test.go checks
// the bytes against renderIndex).

// Members of the index loop.
const (
	memSortKey = iota
	memLine
)

// indexTemplate is renderIndex(listLines(lower)) as a template.
func indexTemplate(lower string) sdk.Template {
	versions := sdk.Loop{Source: hostjson.Versions, Package: lower, Limit: maxVersions,
		Members: []string{"sortKey", "indexLine"}, MemberForm: sdk.MemberRaw,
		Sort: hostjson.SortAscending, SortMember: memSortKey,
		Items: []hostjson.Item{
			{Kind: hostjson.ItemExpect, Member: memLine, Names: []string{"object"}},
			{Kind: hostjson.ItemMember, Member: memLine},
			{Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}
	return sdk.Template{Loops: []sdk.Loop{versions}, Parts: []sdk.Part{{Kind: hostjson.PartLoop}}}
}

// assembledIndex builds the index file of the crate lower in the host. ok
// is false when the caller must render it itself (no version, an irregular
// row, a host without assemble or over its limits).
func assembledIndex(h sdk.Host, lower string) (a sdk.Assembled, ok bool) {
	a, err := sdk.Assemble(h, indexTemplate(lower))
	if err != nil || !a.Built() || a.Irregular > 0 || len(a.Rows) == 0 || a.Rows[0] == 0 {
		return sdk.Assembled{}, false
	}
	return a, true
}
