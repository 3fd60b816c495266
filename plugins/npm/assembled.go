package npm

import (
	"encoding/json"
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// assembledPackument has the host build the packument from the stored
// versions (the assemble import, contract 0.6.0): the guest sends a
// template of a few hundred bytes and never sees the version documents,
// so its work does not grow with the number of versions
// (docs/decisions/0012). The template produces the bytes renderPackument
// produces; the result is not built (a.Built() false) when a version
// document is irregular (json-members' rules) or has a hasInstallScript or
// scripts member encoding/json would treat differently: the caller then
// renders it with renderPackument.
func assembledPackument(h sdk.Host, name string, tags map[string]string, abbrev bool, generation int64, baseURL string) (sdk.Assembled, error) {
	base := []byte(jsonEscape(baseURL + "/"))
	nameJSON, _ := json.Marshal(name)
	tagsJSON, _ := json.Marshal(tags)
	nameJSON, tagsJSON = appendWithBase(nil, nameJSON, base), appendWithBase(nil, tagsJSON, base)
	marker := []hostjson.Replacement{{Pattern: []byte(`"` + tarballMarker), With: append([]byte{'"'}, base...)}}
	lit := func(s ...[]byte) hostjson.Part {
		var b []byte
		for _, x := range s {
			b = append(b, x...)
		}
		return hostjson.Part{Kind: hostjson.PartLiteral, Text: b}
	}
	versionKey := []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormJSONString},
		{Kind: hostjson.ItemLiteral, Text: []byte(":")}}
	if abbrev {
		t := sdk.Template{Loops: []sdk.Loop{{Source: hostjson.Versions, Package: name, Limit: maxVersions, Separator: []byte(","),
			Members: abbrevFields[:], MemberForm: sdk.MemberCompactHTML, Replace: marker, Items: append(versionKey, abbrevItems()...)}},
			Parts: []sdk.Part{lit([]byte(`{"name":`), nameJSON, []byte(`,"modified":"`)),
				{Kind: hostjson.PartMaxCreated, Form: hostjson.FormISOMs},
				lit([]byte(`","dist-tags":`), tagsJSON, []byte(`,"versions":{`)),
				{Kind: hostjson.PartLoop, Loop: 0}, lit([]byte("}}"))}}
		return sdk.Assemble(h, t)
	}
	t := sdk.Template{Loops: []sdk.Loop{
		{Source: hostjson.Versions, Package: name, Limit: maxVersions, Separator: []byte(","), Replace: marker,
			Items: append(versionKey, hostjson.Item{Kind: hostjson.ItemMetadata})},
		{Source: hostjson.Versions, Package: name, Limit: maxVersions, Items: []hostjson.Item{
			{Kind: hostjson.ItemLiteral, Text: []byte(",")}, versionKey[0], {Kind: hostjson.ItemLiteral, Text: []byte(`:"`)},
			{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormISOMs}, {Kind: hostjson.ItemLiteral, Text: []byte(`"`)}}},
	},
		Parts: []sdk.Part{lit([]byte(`{"_id":`), nameJSON, []byte(`,"_rev":"`)), {Kind: hostjson.PartCount, Loop: 0},
			lit([]byte("-"+strconv.FormatInt(generation, 16)+`","name":`), nameJSON, []byte(`,"dist-tags":`), tagsJSON, []byte(`,"versions":{`)),
			{Kind: hostjson.PartLoop, Loop: 0}, lit([]byte(`},"time":{"created":"`)),
			{Kind: hostjson.PartMinCreated, Loop: 0, Form: hostjson.FormISOMs}, lit([]byte(`","modified":"`)),
			{Kind: hostjson.PartMaxCreated, Loop: 0, Form: hostjson.FormISOMs}, lit([]byte(`"`)),
			{Kind: hostjson.PartLoop, Loop: 1}, lit([]byte("}"))}}
	if latest := tags["latest"]; latest != "" {
		// description, readme and license of the latest version, as
		// json.Unmarshal into json.RawMessage fields reads them.
		top := []string{"description", "readme", "license"}
		l := sdk.Loop{Source: hostjson.Versions, Package: name, Version: latest, Members: top, MemberForm: sdk.MemberRaw, Replace: marker}
		for i, k := range top {
			l.Items = append(l.Items, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(`,"` + k + `":`),
				When: []hostjson.Condition{{Test: hostjson.TestPresent, Member: uint32(i)}}},
				hostjson.Item{Kind: hostjson.ItemMember, Member: uint32(i)})
		}
		t.Loops = append(t.Loops, l)
		t.Parts = append(t.Parts, hostjson.Part{Kind: hostjson.PartLoop, Loop: 2})
	}
	t.Parts = append(t.Parts, lit([]byte("}")))
	return sdk.Assemble(h, t)
}

// abbrevItems write one abbreviated version object from the members of
// abbrevFields, as appendAbbreviated does; the two expect items send a
// document appendAbbreviated would refuse back to the caller.
func abbrevItems() []hostjson.Item {
	items := []hostjson.Item{
		{Kind: hostjson.ItemExpect, Member: fieldHasInstallScript, Names: []string{"null", "true", "false"}},
		{Kind: hostjson.ItemExpect, Member: fieldScripts, Names: []string{"null", "object"}},
	}
	for f, name := range abbrevFields[:fieldScripts] {
		m := uint32(f)
		present := []hostjson.Condition{{Test: hostjson.TestPresent, Member: m}}
		switch {
		case f == fieldHasInstallScript:
			items = append(items, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(`,"hasInstallScript":true`),
				When: []hostjson.Condition{{Test: hostjson.TestIsTrue, Member: fieldHasInstallScript},
					{Test: hostjson.TestHasKey, Member: fieldScripts, Names: []string{"preinstall", "install", "postinstall"}}}})
			continue
		case f == 0:
			items = append(items, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(`{"name":`)})
		case f == 1 || f == fieldDist:
			items = append(items, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(`,"` + name + `":`)})
		default:
			items = append(items, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(`,"` + name + `":`), When: present})
			items = append(items, hostjson.Item{Kind: hostjson.ItemMember, Member: m})
			continue
		}
		items = append(items, hostjson.Item{Kind: hostjson.ItemMember, Member: m},
			hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("null"), When: []hostjson.Condition{{Test: hostjson.TestAbsent, Member: m}}})
	}
	return append(items, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("}")})
}
