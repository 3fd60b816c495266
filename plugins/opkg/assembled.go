package opkg

import (
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// A feed's Packages through the host's assemble (contract 0.7.0,
// docs/decisions/0014): one loop over the feed's files writes each stored
// stanza (text form) in path order, a blank line between two, so neither
// the stanzas nor the index enter the guest; Packages.gz is the host's
// gzip of it (compress over the assembled source, decision 0015) and
// Packages.sig the host's signature of it. The loop leaves out the files
// of deeper feeds (under the feed's prefix, their metadata starts with a
// larger depth) and is sorted on depth, which is the same for every file
// it keeps, so the order stays the listing's (the host's sort is stable)
// and a file stored without depth (before 0.7.0, or anything but an
// uploaded package) makes the document irregular: the guest renders it as
// before, as it does when the host refuses the template or the feed is
// empty (assembled_test.go checks the bytes against that render).

// feedDepth is the number of directories of feed dir.
func feedDepth(dir string) string {
	if dir == "" {
		return "0"
	}
	return strconv.Itoa(strings.Count(dir, "/") + 1)
}

// packagesTemplate is feed dir's Packages.
func packagesTemplate(dir string) sdk.Template {
	d, _ := strconv.Atoi(feedDepth(dir))
	var deeper []string
	for i := d + 1; i <= maxFeedDepth; i++ {
		deeper = append(deeper, `{"depth":"`+strconv.Itoa(i)+`"`)
	}
	skip := []hostjson.Condition{{Test: hostjson.TestAbsent, Member: 1}}
	if len(deeper) > 0 {
		skip = append(skip, hostjson.Condition{Test: hostjson.TestMetadataPrefix, Names: deeper})
	}
	l := sdk.Loop{Source: hostjson.Files, Prefix: feedPath(dir, ""), Limit: maxListed, Members: []string{"depth", "stanza"},
		MemberForm: sdk.MemberText, Sort: hostjson.SortAscending, SortMember: 0, Skip: skip, Separator: []byte("\n"),
		Items: []hostjson.Item{{Kind: hostjson.ItemMember, Member: 1}}}
	return sdk.Template{Loops: []sdk.Loop{l}, Parts: []sdk.Part{{Kind: hostjson.PartLoop}}}
}

// maxListed is the most files a template lists (the host's cap).
const maxListed = hostjson.MaxRows

// assembledPackages builds feed dir's Packages in the host; ok is false
// when the guest must render it (a row stored before depth, an empty
// feed, a host without assemble or over its limits).
func assembledPackages(h sdk.Host, dir string) (a sdk.Assembled, ok bool) {
	a, err := sdk.Assemble(h, packagesTemplate(dir))
	if err != nil || !a.Built() || a.Irregular > 0 || len(a.Rows) != 1 || a.Rows[0] == 0 {
		return sdk.Assembled{}, false
	}
	return a, true
}
