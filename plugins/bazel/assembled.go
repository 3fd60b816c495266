package bazel

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/jsonscan"
)

// The registry's two documents built with the assemble import (contract
// 0.6.0; docs/decisions/0012), so a module's version rows (each with its
// metadata) never enter the guest: metadata.json is assembled by the host
// (its versions in the listing's order, JSON strings as encoding/json
// writes them), and source.json reads only its version's metadata back
// (a return-text template). A module with more versions than metadata and
// source read (maxVersions: the host refuses the template) is rendered as
// before.

// allVersions is a loop over every version of module name, refused by the
// host beyond maxVersions.
func allVersions(name string) sdk.Loop {
	return sdk.Loop{Source: hostjson.Versions, Package: name, Limit: maxVersions}
}

// metadataHead and metadataTail surround the versions of metadata.json as
// json.MarshalIndent writes metadataJSON with no homepage, maintainers,
// repository or yanked versions.
const (
	metadataHead = "{\n  \"homepage\": \"\",\n  \"maintainers\": [],\n  \"repository\": [],\n  \"versions\": [\n    "
	metadataTail = "\n  ],\n  \"yanked_versions\": {}\n}\n"
)

// assembledMetadata answers metadata.json as metadata renders it; ok is
// false when metadata must render it.
func assembledMetadata(h sdk.Host, name string) (r *sdk.Response, ok bool, err error) {
	loop := allVersions(name)
	loop.Separator = []byte(",\n    ")
	loop.Items = []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormJSONString}}
	a, err := sdk.Assemble(h, sdk.Template{Loops: []sdk.Loop{loop}, Parts: []sdk.Part{
		{Kind: hostjson.PartLiteral, Text: []byte(metadataHead)}, {Kind: hostjson.PartLoop}, {Kind: hostjson.PartLiteral, Text: []byte(metadataTail)}}})
	if err != nil || !a.Built() || len(a.Rows) != 1 {
		return nil, false, nil
	}
	if a.Rows[0] == 0 {
		return nil, true, sdk.Errorf(404, "module %s not found", name)
	}
	r = sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: "application/json"})
	r.CacheTTLMs = docTTLMs
	return r, true, nil
}

// versionMetadata reads the stored metadata of name@version without the
// other versions' rows: found is false when the module has no such
// version; ok is false when the host refused the template (more than
// maxVersions versions) and source must list them itself.
func versionMetadata(h sdk.Host, name, version string) (meta []byte, found, ok bool, err error) {
	one := allVersions(name)
	one.Version = version
	one.Items = []hostjson.Item{{Kind: hostjson.ItemMetadata}}
	a, err := sdk.Assemble(h, sdk.Template{ReturnText: true, Loops: []sdk.Loop{one, allVersions(name)},
		Parts: []sdk.Part{{Kind: hostjson.PartLoop}}})
	if err != nil || len(a.Rows) != 2 {
		return nil, false, false, nil
	}
	return a.Text, a.Rows[0] == 1, true, nil
}

// decodeVersionMeta reads metadata as json.Unmarshal into a versionMeta
// would: the shape publish writes by hand, anything else through
// json.Unmarshal.
func decodeVersionMeta(b []byte, m *versionMeta) error {
	s := jsonscan.New(b)
	if s.Object(func(k []byte) (i int, ok bool) {
		switch string(k) {
		case "archive":
			m.Archive, ok = s.Str()
			return 0, ok
		case "integrity":
			m.Integrity, ok = s.Str()
			return 1, ok
		case "strip_prefix":
			m.StripPrefix, ok = s.Str()
			return 2, ok
		}
		return 0, false
	}) && s.End() {
		return nil
	}
	*m = versionMeta{}
	return json.Unmarshal(b, m)
}

// sourceDoc writes source.json as json.MarshalIndent writes the map
// {"url", "integrity", "strip_prefix", "patch_strip": 0, "patches": {}}.
func sourceDoc(base string, m versionMeta) []byte {
	url := strings.TrimSuffix(base, "/") + "/" + m.Archive
	b := make([]byte, 0, 128+len(url)+len(m.Integrity)+len(m.StripPrefix))
	b = sdk.AppendJSONString(append(b, "{\n  \"integrity\": "...), m.Integrity)
	b = sdk.AppendJSONString(append(b, ",\n  \"patch_strip\": 0,\n  \"patches\": {},\n  \"strip_prefix\": "...), m.StripPrefix)
	b = sdk.AppendJSONString(append(b, ",\n  \"url\": "...), url)
	return append(b, "\n}\n"...)
}
