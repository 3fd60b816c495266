package conda

import (
	"encoding/json"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// repodata.json assembled by the host (contract 0.7.0, docs/decisions/0014):
// upload also stores each record in its fragment file's metadata (partMeta:
// the record's key and value as the fragment holds them), so one template
// writes the document from the rows the host lists and neither the listing
// nor the document enters the guest. The loop is sorted on "asm", the same
// value in every such row: the sort keeps the listing's (path) order and
// makes a row without it (a fragment stored before) irregular, and then the
// fragments are joined as before (repodata.go). current_repodata.json (the
// newest version of each name, by conda's version order) is not assembled.

// Members of the fragment loops.
const (
	memAsm = iota
	memConda
	memKey
	memRecord
)

// partMeta is a fragment file's metadata: meta (the package's Meta) with
// "asm":1, "conda":true for a .conda record, and the record's "key" and
// "record" as the fragment key:rec holds them. meta alone when they are
// not JSON values the host can copy.
func partMeta(meta, key, rec []byte, conda bool) []byte {
	if len(meta) < 2 || meta[len(meta)-1] != '}' || !json.Valid(key) || !json.Valid(rec) {
		return meta
	}
	out := append(meta[:len(meta)-1:len(meta)-1], `,"asm":1`...)
	if conda {
		out = append(out, `,"conda":true`...)
	}
	out = append(append(append(out, `,"key":`...), key...), `,"record":`...)
	return append(append(out, rec...), '}')
}

// fragmentLoop writes the records under prefix, key:record, comma-separated,
// leaving out those skip names.
func fragmentLoop(prefix string, skip hostjson.Test) sdk.Loop {
	return sdk.Loop{Source: hostjson.Files, Prefix: prefix, Limit: hostjson.MaxRows, Separator: []byte(","),
		Members: []string{"asm", "conda", "key", "record"}, MemberForm: hostjson.Raw,
		Sort: hostjson.SortAscending, SortMember: memAsm,
		Skip: []hostjson.Condition{{Test: skip, Member: memConda}},
		Items: []hostjson.Item{{Kind: hostjson.ItemMember, Member: memKey},
			{Kind: hostjson.ItemLiteral, Text: []byte(":")}, {Kind: hostjson.ItemMember, Member: memRecord}}}
}

// assembledRepodata builds subdir's repodata.json in the host, as assemble
// joins it; ok is false when a fragment has no record in its metadata (or
// one the host cannot project), or the host refused the template.
func assembledRepodata(h sdk.Host, subdir string) (sdk.Assembled, bool) {
	sub, _ := json.Marshal(subdir)
	prefix := partsDir + "/" + subdir + "/"
	lit := func(s string) sdk.Part { return sdk.Part{Kind: hostjson.PartLiteral, Text: []byte(s)} }
	a, err := sdk.Assemble(h, sdk.Template{
		Loops: []sdk.Loop{fragmentLoop(prefix, hostjson.TestIsTrue), fragmentLoop(prefix, hostjson.TestAbsent)},
		Parts: []sdk.Part{lit(`{"info":{"subdir":` + string(sub) + `},"packages":{`), {Kind: hostjson.PartLoop, Loop: 0},
			lit(`},"packages.conda":{`), {Kind: hostjson.PartLoop, Loop: 1}, lit(`},"removed":[],"repodata_version":1}`)}})
	if err != nil || a.Irregular > 0 || !a.Built() {
		return sdk.Assembled{}, false
	}
	return a, true
}
