package gomod

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// assembledList builds $module/@v/list in the host (contract 0.7.0 sorted
// loops, served by handle): one loop over the files under the module's
// @v/ prefix that skips the .zip and .mod files and pseudo-versions'
// .info by their metadata's start (listkey.go) and sorts the other .info
// files on the key the upload stored, writing each one's version and a
// line break. Neither the rows nor the document enter the guest. ok is
// false when the caller must list the module itself: a row without a key
// (stored before the key, or by anything but an upload, or a foreign
// file), no version left (404, or a module with pseudo-versions only), a
// host over its limits.
func assembledList(h sdk.Host, t target) (a sdk.Assembled, ok bool) {
	a, err := sdk.Assemble(h, sdk.Template{
		Loops: []sdk.Loop{{Source: hostjson.Files, Prefix: t.listPrefix(), Limit: maxModuleFiles, Members: keyMembers,
			MemberForm: sdk.MemberRaw, Sort: hostjson.SortAscending, Skip: skipNotListed, Items: listItems}},
		Parts: listParts})
	if err != nil || a.Irregular > 0 || len(a.Rows) != 1 || a.Rows[0] == 0 || !a.Built() {
		return sdk.Assembled{}, false
	}
	return a, true
}

// The template's fixed pieces, built once: a plugin's guest pays for every
// allocation.
var (
	keyMembers    = []string{memberKey}
	skipNotListed = []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{zipPrefix, modMeta, pseudoMeta}}}
	listItems     = []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormRaw},
		{Kind: hostjson.ItemLiteral, Text: []byte("\n")}}
	listParts = []sdk.Part{{Kind: hostjson.PartLoop}}
)
