package openvsx

import (
	"bytes"
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// The extension and versions documents through the host's assemble
// (contract 0.7.0, docs/decisions/0014). Publish adds members to each
// version's metadata (versionMetadata):
//   - memberVersion: the version, on which the host sorts allVersions and
//     the versions list (json.Marshal writes a map's keys in byte order);
//   - memberLatest: '1' for a release or '0' for a pre-release (by version
//     or by flag, as isPre reads it), then semver's AppendKey: the highest
//     key is latestOf's pick;
//
// and to the metadata of the version's .vsix.sha256 file (docMetadata):
//   - memberDoc1, memberDoc2: the extension document of the version from
//     `,"allVersionsUrl":` on, exactly as extensionJSON writes it, cut
//     around the timestamp's text (the version row's created time, which
//     the host writes) and with baseMark where the repository's base URL
//     goes. They live on a file so that the version documents, which every
//     template projects, stay small.
//
// The versions list is one template. An extension document takes two: a
// return-text one gives the latest version (a few bytes), then one template
// writes allVersions and copies the described version's pieces, served by
// handle. A version stored before these members makes the documents
// irregular: the listing of listing.go, or the render, answers as before.
const (
	memberVersion = "~v"
	memberLatest  = "~latest"
	memberDoc1    = "~doc1"
	memberDoc2    = "~doc2"
	// baseMark is a tab, which JSON text only holds escaped.
	baseMark = "\t"
)

// versionMetadata is what publish stores for version m: m as JSON, with
// memberVersion and memberLatest when m's version is SemVer.
func versionMetadata(m *extMeta) []byte {
	meta, _ := json.Marshal(m)
	sv, ok := semver.Parse(m.Version)
	if !ok {
		return meta
	}
	key := []byte{'1'}
	if strings.Contains(semver.WithoutBuild(m.Version), "-") || m.PreRelease {
		key[0] = '0'
	}
	return withMembers(meta, map[string]string{memberVersion: m.Version, memberLatest: string(sv.AppendKey(key))})
}

// docMetadata is the metadata of version m's .vsix.sha256 file: m as JSON,
// with memberDoc1 and memberDoc2 when m's document could be cut.
func docMetadata(m *extMeta) []byte {
	meta, _ := json.Marshal(m)
	doc1, doc2, ok := docPieces(m)
	if !ok {
		return meta
	}
	return withMembers(meta, map[string]string{memberDoc1: doc1, memberDoc2: doc2})
}

// withMembers appends members to the JSON object meta.
func withMembers(meta []byte, members map[string]string) []byte {
	b, _ := json.Marshal(members)
	return append(append(meta[:len(meta)-1:len(meta)-1], ','), b[1:]...)
}

// sumFile is the name of the .vsix.sha256 file of version v of ns.name.
func sumFile(ns, name, v string) string { return ns + "." + name + "-" + v + ".vsix.sha256" }

// docPieces cuts the extension document of m (extensionJSON) after
// allVersions and around the timestamp's text, the base URL replaced by
// baseMark. Two renders with different marks for the base URL must agree,
// so text that happens to hold a mark is refused (ok false).
func docPieces(m *extMeta) (doc1, doc2 string, ok bool) {
	render := func(mark string) []byte {
		a := api{req: &sdk.Request{Repo: &sdk.RepoContext{BaseURL: mark}}}
		r := release{version: m.Version, parsed: m}
		doc := a.extensionJSON(&r, []release{r}, m.Version)
		esc := sdk.AppendJSONString(nil, mark)
		return bytes.ReplaceAll(doc, esc[1:len(esc)-1], []byte(baseMark))
	}
	doc := render("\x01keeper\x01")
	if !bytes.Equal(doc, render("\x02keeper\x02")) {
		return "", "", false
	}
	const ts = `,"timestamp":"`
	i, j := bytes.Index(doc, []byte(`,"allVersionsUrl":`)), bytes.Index(doc, []byte(ts+`"`))
	if i < 0 || j < i {
		return "", "", false
	}
	return string(doc[i : j+len(ts)]), string(doc[j+len(ts):]), true
}

func lit(s string) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s)} }

func field(f hostjson.Field, form hostjson.FieldForm) hostjson.Item {
	return hostjson.Item{Kind: hostjson.ItemField, Field: f, Form: form}
}

// escaped is s as a JSON string's text, without the quotes.
func escaped(s string) string {
	b := sdk.AppendJSONString(nil, s)
	return string(b[1 : len(b)-1])
}

// versionsLoop is the versions of pkg in byte order, each written as
// `"V":"<extURL>/V"` (extURL escaped; a version with the members is SemVer,
// which JSON writes as it is).
func versionsLoop(pkg, extURL string) sdk.Loop {
	return sdk.Loop{Source: hostjson.Versions, Package: pkg, Limit: maxVersions, Members: []string{memberVersion},
		MemberForm: hostjson.Text, Sort: hostjson.SortAscending, Separator: []byte(","),
		Items: []hostjson.Item{lit(`"`), field(hostjson.FieldVersion, hostjson.FormRaw), lit(`":"` + extURL + "/"),
			field(hostjson.FieldVersion, hostjson.FormRaw), lit(`"`)}}
}

// pieces is the file at path (the .vsix.sha256 file) writing its document
// piece member, the base URL for baseMark; sorted on the piece so that a
// file without it is irregular.
func pieces(pkg, path, base string, member uint32) sdk.Loop {
	return sdk.Loop{Source: hostjson.Files, Package: pkg, Prefix: path, Members: []string{memberDoc1, memberDoc2},
		MemberForm: hostjson.Text, Sort: hostjson.SortAscending, SortMember: member,
		Replace: []sdk.Replacement{{Pattern: []byte(baseMark), With: []byte(escaped(base))}},
		Items:   []hostjson.Item{{Kind: hostjson.ItemMember, Member: member}}}
}

func jsonAssembled(doc sdk.Assembled) *sdk.Response {
	r := sdk.AssembledResponse(200, doc, sdk.Header{Name: "Content-Type", Value: "application/json"})
	r.CacheTTLMs = docTTLMs
	return r
}

// assembledVersions answers GET /api/NS/EXT/versions; nil (and no error)
// when the caller must answer.
func (a api) assembledVersions(ns, name string) (*sdk.Response, error) {
	if !validName(ns) || !validName(name) {
		return nil, nil
	}
	ns, name = strings.ToLower(ns), strings.ToLower(name)
	doc, err := sdk.Assemble(a.h, sdk.Template{Loops: []sdk.Loop{versionsLoop(ns+"."+name, escaped(a.base()+"/api/"+ns+"/"+name))},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte(`{"offset":0,"totalSize":`)}, {Kind: hostjson.PartCount},
			{Kind: hostjson.PartLiteral, Text: []byte(`,"versions":{`)}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("}}")}}})
	if err != nil || !doc.Built() || doc.Rows[0] == 0 {
		return nil, nil
	}
	return jsonAssembled(doc), nil
}

// assembledExtension answers the extension document of version ("" or
// "latest": the latest); nil (and no error) when the caller must answer.
func (a api) assembledExtension(ns, name, version string) (*sdk.Response, error) {
	if !validName(ns) || !validName(name) {
		return nil, nil
	}
	asked := ns + "." + name // as the request names it, for the 404
	ns, name = strings.ToLower(ns), strings.ToLower(name)
	pkg := ns + "." + name
	if version == "latest" {
		version = ""
	}
	// The latest version, and whether version is stored.
	head := sdk.Template{ReturnText: true, Loops: []sdk.Loop{{Source: hostjson.Versions, Package: pkg, Limit: maxVersions,
		Members: []string{memberLatest}, MemberForm: hostjson.Text, Sort: hostjson.SortDescending,
		Items: []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, When: []hostjson.Condition{{Test: hostjson.TestFirst}}}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLoop}}}
	if version != "" {
		head.Loops = append(head.Loops, sdk.Loop{Source: hostjson.Versions, Package: pkg, Limit: maxVersions, Version: version})
		head.Parts = append(head.Parts, sdk.Part{Kind: hostjson.PartLiteral, Text: []byte("\n")}, sdk.Part{Kind: hostjson.PartCount, Loop: 1})
	}
	h, err := sdk.Assemble(a.h, head)
	if err != nil || h.Irregular > 0 || len(h.Rows) == 0 || h.Rows[0] == 0 {
		return nil, nil
	}
	latest, count, _ := strings.Cut(string(h.Text), "\n")
	described := latest
	if version != "" {
		if count == "0" {
			return nil, fail(404, "Extension not found: "+asked+" "+version)
		}
		described = version
	}
	extURL := escaped(a.base() + "/api/" + ns + "/" + name)
	latestURL := extURL + "/latest"
	if described == latest {
		latestURL = extURL + "/" + latest
	}
	doc, err := sdk.Assemble(a.h, sdk.Template{Loops: []sdk.Loop{versionsLoop(pkg, extURL),
		pieces(pkg, fileDir(ns, name, described)+sumFile(ns, name, described), a.base(), 0),
		{Source: hostjson.Versions, Package: pkg, Limit: maxVersions, Version: described, Items: []hostjson.Item{{Kind: hostjson.ItemField,
			Field: hostjson.FieldCreated, Form: hostjson.FormISOMs, When: []hostjson.Condition{{Test: hostjson.TestDated}}}}},
		pieces(pkg, fileDir(ns, name, described)+sumFile(ns, name, described), a.base(), 1)},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte(`{"allVersions":{`)}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte(`,"latest":"` + latestURL + `"}`)}, {Kind: hostjson.PartLoop, Loop: 1},
			{Kind: hostjson.PartLoop, Loop: 2}, {Kind: hostjson.PartLoop, Loop: 3}}})
	if err != nil || !doc.Built() || doc.Rows[1] != 1 || doc.Rows[2] != 1 {
		return nil, nil
	}
	return jsonAssembled(doc), nil
}
