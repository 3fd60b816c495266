package huggingface

import (
	"encoding/json"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The model info and the root tree listings of a commit are rendered when
// the commit is written and stored as string members of its version's
// metadata (below); a request has the host copy them out of the version
// row with the assemble import (contract 0.6.0, docs/decisions/0012), so
// neither the commit nor the document enters the guest. A version stored
// before (without the members) or too large to carry them is rendered
// from the commit as before: the members are absent, every item of the
// template is conditional on the first one, and an empty document sends
// the request to the old render.
const (
	memberSHA       = "~sha"           // "sha":"…",
	memberCard      = "~cardData"      // "cardData":{…}, (absent without card data)
	memberLibrary   = "~library"       // "library_name":"…", (when a string)
	memberPipeline  = "~pipeline"      // "pipeline_tag":"…", (when a string)
	memberSiblings  = "~siblings"      // the siblings array
	memberBlobs     = "~siblingsBlobs" // the siblings array with blobs=true
	memberTail      = "~tail"          // ,"spaces":[],"tags":[…],"usedStorage":N}
	memberTree      = "~tree"          // the root tree listing
	memberTreeDeep  = "~treeRecursive" // the root tree listing with recursive=true
	maxRenderedMeta = 1 << 20          // a version's metadata with its rendered members
)

var infoMembers = []string{memberSHA, memberCard, memberLibrary, memberPipeline, memberSiblings, memberBlobs, memberTail}

// withRendered appends the rendered documents of the commit doc (as
// json.Marshal wrote it) to it as string members; doc itself when they
// would make it larger than maxRenderedMeta.
func withRendered(doc []byte) ([]byte, error) {
	var c commit
	if err := json.Unmarshal(doc, &c); err != nil || c.ID == "" {
		return doc, err
	}
	out := append([]byte(nil), doc[:len(doc)-1]...)
	add := func(name string, text []byte) {
		if len(text) > 0 {
			out = sdk.AppendJSONString(append(sdk.AppendJSONString(append(out, ','), name), ':'), string(text))
		}
	}
	marshal := func(v any) []byte {
		b, _ := json.Marshal(v)
		return b
	}
	add(memberSHA, append(append([]byte(`"sha":`), marshal(c.ID)...), ','))
	if c.CardData != nil {
		card, err := json.Marshal(c.CardData)
		if err != nil {
			return doc, err
		}
		add(memberCard, append(append([]byte(`"cardData":`), card...), ','))
		for _, k := range []struct{ key, member string }{{"library_name", memberLibrary}, {"pipeline_tag", memberPipeline}} {
			if s, ok := c.CardData[k.key].(string); ok {
				add(k.member, append(append([]byte(`"`+k.key+`":`), marshal(s)...), ','))
			}
		}
	}
	add(memberSiblings, marshal(siblings(&c, false)))
	add(memberBlobs, marshal(siblings(&c, true)))
	var used int64
	for _, e := range c.Files {
		used += e.Size
	}
	add(memberTail, append(strconv.AppendInt(append(append([]byte(`,"spaces":[],"tags":`), marshal(nonNil(c.Tags))...),
		`,"usedStorage":`...), used, 10), '}'))
	for _, deep := range []bool{false, true} {
		b, _, err := treeDoc(&c, "", deep)
		if err != nil {
			return doc, err
		}
		add(map[bool]string{false: memberTree, true: memberTreeDeep}[deep], b)
	}
	if len(out)+1 > maxRenderedMeta {
		return doc, nil
	}
	return append(out, '}'), nil
}

// assembledInfo answers the model info of rev from the rendered members
// of its version; nil (and no error) when they are not stored: the caller
// renders it from the commit.
func assembledInfo(h sdk.Host, id, rev string, private, blobs bool) (*sdk.Response, error) {
	idJSON := string(sdk.AppendJSONString(nil, id))
	author := string(sdk.AppendJSONString(nil, strings.SplitN(id, "/", 2)[0]))
	lit := func(s string) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte(s)} }
	member := func(m int) hostjson.Item { return hostjson.Item{Kind: hostjson.ItemMember, Member: uint32(m)} }
	sib := 4
	if blobs {
		sib = 5
	}
	items := []hostjson.Item{
		lit(`{"_id":` + idJSON + `,"author":` + author + `,`), member(1),
		lit(`"disabled":false,"downloads":0,"gated":false,"id":` + idJSON + `,"lastModified":"`),
		{Kind: hostjson.ItemField, Field: hostjson.FieldCreated, Form: hostjson.FormISOMs}, lit(`",`), member(2),
		lit(`"likes":0,"modelId":` + idJSON + `,`), member(3),
		lit(`"private":` + strconv.FormatBool(private) + `,`), member(0), lit(`"siblings":`), member(sib), member(6),
	}
	return assembledDoc(h, id, rev, infoMembers, items)
}

// assembledTree answers the root tree listing of rev as assembledInfo
// answers the model info.
func assembledTree(h sdk.Host, id, rev string, recursive bool) (*sdk.Response, error) {
	m := memberTree
	if recursive {
		m = memberTreeDeep
	}
	return assembledDoc(h, id, rev, []string{m}, []hostjson.Item{{Kind: hostjson.ItemMember}})
}

// assembledDoc has the host write items for the version rev names, each
// item only when the version has members[0]; nil when nothing was written.
func assembledDoc(h sdk.Host, id, rev string, members []string, items []hostjson.Item) (*sdk.Response, error) {
	sha, resp, err := resolveRev(h, id, rev)
	if resp != nil || err != nil || sha == "" {
		return resp, err
	}
	has := []hostjson.Condition{{Test: hostjson.TestPresent}}
	for i := range items {
		items[i].When = has
	}
	a, err := sdk.Assemble(h, sdk.Template{
		Loops: []sdk.Loop{{Source: hostjson.Versions, Package: id, Version: sha, Members: members, MemberForm: hostjson.Text, Items: items}},
		Parts: []sdk.Part{{Kind: hostjson.PartLoop}}})
	if err != nil || !a.Built() || a.Size == 0 {
		return nil, err
	}
	r := sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: "application/json"})
	r.CacheTTLMs = docTTL
	return r, nil
}
