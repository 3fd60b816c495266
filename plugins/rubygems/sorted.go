package rubygems

import (
	"bytes"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// /info/NAME in one template (contract 0.7.0, docs/decisions/0014 and
// 0015): the gem's versions, yanked ones skipped, sorted by the host on the
// key (sortMember) each version's pieces got when written (sortkey.go), each
// writing its stored /info line. The host hashes the document it built
// (the ETag) and serves it: the body never enters the guest. A version
// without a key (stored before it) makes the document irregular and the
// gem is read as before (assembledInfo, then the records).

// yankedSkip leaves yanked versions out of a loop.
var yankedSkip = []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{yankedPrefix}}}

// infoTemplate is infoOf as a template.
func infoTemplate(name string) sdk.Template {
	return sdk.Template{
		Loops: []sdk.Loop{{Source: hostjson.Versions, Package: name, Members: []string{"info", sortMember(name)},
			MemberForm: sdk.MemberText, Sort: hostjson.SortAscending, SortMember: 1, Skip: yankedSkip,
			Items: []hostjson.Item{{Kind: hostjson.ItemMember, Member: 0}, {Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte("---\n")}, {Kind: hostjson.PartLoop}},
	}
}

// sortedInfo answers /info/name with infoTemplate; nil when the caller
// must render it (no live version, a row without a key, more versions
// than gemRecords reads, a host without assemble).
func sortedInfo(h sdk.Host, name string) (*sdk.Response, error) {
	a, err := sdk.Assemble(h, infoTemplate(name))
	if err != nil || !a.Built() || len(a.Rows) != 1 || a.Rows[0] == 0 || a.Rows[0] > maxVersions {
		return nil, nil // the guest renders what the host could not
	}
	sum, err := h.Hash(sdk.MD5, sdk.AssembledSource(a))
	if err != nil {
		return nil, err
	}
	r := sdk.AssembledResponse(200, a, textHeaders(sum)...)
	r.CacheTTLMs = indexTTLMs
	return r, nil
}

// keyItems write a row's version key and a newline.
var keyItems = []hostjson.Item{{Kind: hostjson.ItemField, Field: hostjson.FieldVersion}, {Kind: hostjson.ItemLiteral, Text: []byte("\n")}}

// sortedAll is assembledAll's listing with the host sorting (contract
// 0.7.0): one template per hostjson.MaxLoops gems, each gem's loop its
// infoTemplate (a "---\n" part, then the loop), so the text holds each
// gem's /info document whole: docs[i] is the /info of names[i], hashed as
// it is for /versions. A row's version and platform are read from its
// line (versionRe has no '-' or ' ': "1.0-java deps|…"). With keysOnly
// (the specs indexes and /names, which need no /info) each row writes
// only its version key, VERSION or VERSION-PLATFORM (the head of its /info
// line), and docs is nil: the guest reads about a tenth of the text. ok is
// false when a version has no key (or the host no assemble): the caller
// sorts.
func sortedAll(h sdk.Host, all []string, keysOnly bool) (names []string, rows [][]liveRow, docs [][]byte, ok bool, err error) {
	for len(all) > 0 {
		batch := all[:min(len(all), hostjson.MaxLoops)]
		all = all[len(batch):]
		var t sdk.Template
		t.ReturnText = true
		for i, g := range batch {
			it := infoTemplate(g)
			if keysOnly {
				it.Loops[0].Items = keyItems
				t.Parts = append(t.Parts, sdk.Part{Kind: hostjson.PartLoop, Loop: uint32(i)})
			} else {
				t.Parts = append(t.Parts, it.Parts[0], sdk.Part{Kind: hostjson.PartLoop, Loop: uint32(i)})
			}
			t.Loops = append(t.Loops, it.Loops[0])
		}
		a, err := sdk.Assemble(h, t)
		if err != nil || a.Irregular > 0 || a.Text == nil || len(a.Rows) != len(batch) {
			return nil, nil, nil, false, nil // the guest sorts what the host could not
		}
		text := a.Text
		whole := string(a.Text) // the rows' strings slice it: one allocation a batch
		for i, g := range batch {
			n := 4
			if keysOnly {
				n = 0
			}
			if a.Rows[i] > maxVersions || !keysOnly && !bytes.HasPrefix(text, []byte("---\n")) {
				return nil, nil, nil, false, nil
			}
			live := make([]liveRow, a.Rows[i])
			for j := range live {
				end := bytes.IndexByte(text[n:], '\n')
				if end < 0 {
					return nil, nil, nil, false, nil
				}
				head, _, _ := bytes.Cut(text[n:n+end], []byte(" "))
				at := len(a.Text) - len(text) + n
				v, p, found := strings.Cut(whole[at:at+len(head)], "-")
				if !found {
					p = "ruby"
				}
				live[j] = liveRow{version: v, platform: p} // the lines are in docs
				n += end + 1
			}
			if len(live) > 0 {
				names, rows = append(names, g), append(rows, live)
				if !keysOnly {
					docs = append(docs, text[:n])
				}
			}
			text = text[n:]
		}
		if len(text) != 0 {
			return nil, nil, nil, false, nil
		}
	}
	return names, rows, docs, true, nil
}
