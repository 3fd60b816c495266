package ansible

import (
	"bytes"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// The versions list through the host's assemble (contract 0.7.0,
// docs/decisions/0014): publish stores each version's sort_key (sortKey:
// SemVer precedence, then build metadata, packed so that byte order is
// semver.Compare's order), and one return-text template has the host sort
// the collection's versions on it, highest first, and write each version's
// created time and name, one a line. The guest skips to the page's lines
// and writes their entries (constant text around those two fields), so
// neither the versions' metadata nor a SemVer parse or sort happen in the
// guest, and the text it reads is a few bytes a version. A version stored before sort_key existed makes the listing
// irregular, and appendVersions renders the page as before
// (assembled_test.go checks the bytes against it).

// sortKey is the sort key of version v (semver's AppendKey: byte order is
// semver.Compare's), "" when v is not a version the versions list shows.
func sortKey(v string) string {
	sv, ok := semver.Parse(v)
	if !ok || len(v) > 128 {
		return ""
	}
	return string(sv.AppendKey(nil))
}

// versionsTemplate lists the versions of ns.name sorted by sort_key,
// highest first, each as its created time (iso-us), a tab and its version
// on a line.
func versionsTemplate(ns, name string) sdk.Template {
	versions := sdk.Loop{Source: hostjson.Versions, Package: ns + "." + name, Limit: maxVersions,
		Members: []string{"sort_key"}, MemberForm: sdk.MemberText, Sort: hostjson.SortDescending,
		Items: []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormISOUs},
			{Kind: hostjson.ItemLiteral, Text: []byte("\t")},
			{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormRaw},
			{Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}
	return sdk.Template{Loops: []sdk.Loop{versions}, Parts: []sdk.Part{{Kind: hostjson.PartLoop}}, ReturnText: true}
}

// assembledVersions writes the versions list page of ns.name from the
// host's sorted listing; ok is false when the caller must render it (no
// version, a version without sort_key, a host without assemble).
func (a api) assembledVersions(ns, name string, limit, offset int) ([]byte, bool) {
	as, err := sdk.Assemble(a.h, versionsTemplate(ns, name))
	if err != nil || as.Irregular > 0 || len(as.Rows) != 1 || as.Rows[0] == 0 || as.Text == nil {
		return nil, false
	}
	total, text := int(as.Rows[0]), as.Text
	if bytes.Count(text, []byte{'\n'}) != total {
		return nil, false
	}
	start := 0
	for i := 0; i < offset && start < len(text); i++ {
		start += bytes.IndexByte(text[start:], '\n') + 1
	}
	href := hostjson.AppendJSONString(nil, a.collectionHref(ns, name)+"versions/")
	href = href[:len(href)-1]
	b := append(make([]byte, 0, 256*min(limit, total)+512), `{"data":[`...)
	for i, line := 0, text[start:]; i < limit && len(line) > 0; i++ {
		nl := bytes.IndexByte(line, '\n')
		tab := bytes.IndexByte(line[:nl], '\t')
		if tab < 0 {
			return nil, false
		}
		created, version := line[:tab], line[tab+1:nl]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(append(append(b, `{"created_at":"`...), created...), `","href":`...)
		b = append(append(append(b, href...), version...), `/","marks":[],"requires_ansible":null,"updated_at":"`...)
		b = append(append(append(b, created...), `","version":"`...), version...)
		b = append(b, `"}`...)
		line = line[nl+1:]
	}
	return a.appendLinks(b, ns, name, total, limit, offset), true
}
