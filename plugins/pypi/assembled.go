package pypi

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The simple pages through the host's assemble (contract 0.7.0,
// docs/decisions/0014): one template whose loop walks the project's files,
// leaves out the PEP 658 ".metadata" side files, and is sorted by the host
// on the sort_key each file's metadata got at upload (sortkey.go), so the
// page never enters the guest. The bytes are ProjectPage's: a file stored
// before sort_key existed (or whose values sortKey refused) makes the
// document irregular, and a project with a yanked file is rendered by the
// guest (yanks live in key-values), as is every page when the host refuses
// the template (assembled_test.go checks the bytes against ProjectPage).

// Members of the page loops: metaFields (each a string or absent, as
// metaOf reads them) and sort_key.
const (
	memVersion        = 1
	memFilename       = 2
	memRequiresPython = 5
	memCore           = 9
	memSortKey        = 10
)

var pageMembers = append(append([]string{}, metaFields...), "sort_key")

// sideFile is how a ".metadata" file's stored metadata starts (upload.go).
const sideFile = `{"core_metadata":true`

// htmlEscapes are html.EscapeString's replacements (escapeHTML).
var htmlEscapes = []hostjson.Replacement{{Pattern: []byte("&"), With: []byte("&amp;")}, {Pattern: []byte("'"), With: []byte("&#39;")},
	{Pattern: []byte("<"), With: []byte("&lt;")}, {Pattern: []byte(">"), With: []byte("&gt;")}, {Pattern: []byte(`"`), With: []byte("&#34;")}}

// assembledPage builds the simple page of norm in the host. ok is false
// when the caller must render the page itself (no file, a yank, an
// irregular row, a host without assemble or over its limits).
func assembledPage(h sdk.Host, norm, base, ctype string) (a sdk.Assembled, ok bool) {
	yanks, err := yankState(h, norm)
	if err != nil || len(yanks) > 0 {
		return sdk.Assembled{}, false
	}
	a, err = sdk.Assemble(h, pageTemplate(norm, base, ctype))
	if err != nil || !a.Built() || len(a.Rows) == 0 || a.Rows[0] == 0 {
		return sdk.Assembled{}, false
	}
	return a, true
}

func lit(s string) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s)} }

func member(m uint32, when ...hostjson.Condition) hostjson.Item {
	return hostjson.Item{Kind: hostjson.ItemMember, Member: m, When: when}
}

func field(f hostjson.Field, form hostjson.FieldForm) hostjson.Item {
	return hostjson.Item{Kind: hostjson.ItemField, Field: f, Form: form}
}

func when(it hostjson.Item, c ...hostjson.Condition) hostjson.Item { it.When = c; return it }

func present(m uint32) hostjson.Condition {
	return hostjson.Condition{Test: hostjson.TestPresent, Member: m}
}

// pageTemplate is ProjectPage as a template.
func pageTemplate(norm, base, ctype string) sdk.Template {
	files := sdk.Loop{Source: hostjson.Files, Package: norm, Prefix: "packages/" + norm + "/", Limit: maxListed,
		Members: pageMembers, Sort: hostjson.SortAscending, SortMember: memSortKey,
		Skip: []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{sideFile}}}}
	if ctype == TypeJSON {
		files.MemberForm, files.Separator = sdk.MemberCompact, []byte(",")
		for m := range metaFields {
			files.Items = append(files.Items, hostjson.Item{Kind: hostjson.ItemExpect, Member: uint32(m), Names: []string{"string"}})
		}
		url := appendJSONString(nil, base+"/")
		noCore := hostjson.Condition{Test: hostjson.TestAbsent, Member: memCore}
		dated := hostjson.Condition{Test: hostjson.TestDated}
		files.Items = append(files.Items,
			lit(`{"filename":`), member(memFilename), lit(`,"url":`+string(url[:len(url)-1])),
			field(hostjson.FieldPath, hostjson.FormURLPath), lit(`","hashes":{"sha256":`),
			field(hostjson.FieldSHA256, hostjson.FormJSONText), lit(`}`),
			when(lit(`,"requires-python":`), present(memRequiresPython)), member(memRequiresPython),
			when(lit(`,"dist-info-metadata":{"sha256":`), present(memCore)), member(memCore),
			when(lit(`},"core-metadata":{"sha256":`), present(memCore)), member(memCore), when(lit(`}`), present(memCore)),
			when(lit(`,"dist-info-metadata":false,"core-metadata":false`), noCore),
			lit(`,"yanked":false,"size":`), field(hostjson.FieldSize, hostjson.FormRaw),
			when(lit(`,"upload-time":"`), dated), when(field(hostjson.FieldCreated, hostjson.FormISOUs), dated),
			when(lit(`"`), dated), lit(`}`))
		versions := files
		versions.Separator = nil
		changed := hostjson.Condition{Test: hostjson.TestChanged, Member: memVersion}
		versions.Items = []hostjson.Item{when(lit(","), changed), member(memVersion, hostjson.Condition{Test: hostjson.TestFirst}, changed)}
		name := appendJSONString(nil, norm)
		return sdk.Template{Loops: []sdk.Loop{files, versions}, Parts: []sdk.Part{
			{Kind: hostjson.PartLiteral, Text: append(append([]byte(`{"meta":{"api-version":"`+apiVersion+`"},"name":`), name...), `,"files":[`...)},
			{Kind: hostjson.PartLoop}, {Kind: hostjson.PartLiteral, Text: []byte(`],"versions":[`)},
			{Kind: hostjson.PartLoop, Loop: 1}, {Kind: hostjson.PartLiteral, Text: []byte("]}")}}}
	}
	files.MemberForm, files.Replace = sdk.MemberText, htmlEscapes
	files.Items = []hostjson.Item{
		lit(`    <a href="` + escapeHTML(base+"/")), field(hostjson.FieldPath, hostjson.FormURLPath),
		lit("#sha256="), field(hostjson.FieldSHA256, hostjson.FormHTML), lit(`"`),
		when(lit(` data-requires-python="`), present(memRequiresPython)), member(memRequiresPython),
		when(lit(`"`), present(memRequiresPython)),
		when(lit(` data-dist-info-metadata="sha256=`), present(memCore)), member(memCore),
		when(lit(`" data-core-metadata="sha256=`), present(memCore)), member(memCore), when(lit(`"`), present(memCore)),
		lit(">"), member(memFilename), lit("</a><br />\n"),
	}
	name := escapeHTML(norm)
	return sdk.Template{Loops: []sdk.Loop{files}, Parts: []sdk.Part{
		{Kind: hostjson.PartLiteral, Text: []byte("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"" + apiVersion + "\">\n" +
			"    <title>Links for " + name + "</title>\n  </head>\n  <body>\n    <h1>Links for " + name + "</h1>\n")},
		{Kind: hostjson.PartLoop},
		{Kind: hostjson.PartLiteral, Text: []byte("  </body>\n</html>\n")}}}
}
