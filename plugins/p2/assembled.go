package p2

import (
	"bytes"
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// The host assembles content.xml and artifacts.xml from the fragments each
// upload stored in its jar's metadata (the assemble import, contract
// 0.6.0; docs/decisions/0012): the guest never decodes the jars' metadata,
// so its work does not grow with the repository. A first template returns
// per directory the row count and the newest upload time, and per row a
// mark saying whether its metadata is what upload stores; a second one
// copies each jar's fragment. Rows the guest's render would skip or decode
// differently (metadata not starting with a non-empty "units" string,
// members json-members calls irregular) make assembledDocument decline, and
// document renders as before, so the bytes are always the same.

// jarDirs are the listings in document order (path order within each).
var jarDirs = [...]string{"features/", "plugins/"}

// unitsPerJar is how many installable units a jar of each directory
// renders to (unitsXML: a feature's group and its jar, a bundle's one).
var unitsPerJar = [...]int{2, 1}

// regularPrefix is how upload's metadata starts (FileMeta's first member);
// emptyUnits is that of a jar with no units, which the render skips.
const (
	regularPrefix = `{"units":"`
	emptyUnits    = `{"units":""`
)

// maxAssembledJars is the most rows a loop of the template may list.
const maxAssembledJars = hostjson.MaxRows

// assembledDocument builds content.xml (kind "content") or artifacts.xml;
// ok is false when the guest must render it (document).
func assembledDocument(h sdk.Host, kind, name string, returnText bool) (a sdk.Assembled, ok bool, err error) {
	count, newest, ok, err := jarStats(h)
	if err != nil || !ok {
		return a, false, err
	}
	member, head := uint32(0), contentHead(name, newest, count[0]*unitsPerJar[0]+count[1]*unitsPerJar[1])
	if kind != "content" {
		member, head = 1, artifactsHead(name, newest, count[0]+count[1])
	}
	t := sdk.Template{ReturnText: returnText, Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte(head)}}}
	for i, dir := range jarDirs {
		t.Loops = append(t.Loops, sdk.Loop{Source: hostjson.Files, Prefix: dir, Limit: maxAssembledJars,
			// The text form makes a row whose member is no string irregular.
			Members: []string{"units", "artifact"}, MemberForm: sdk.MemberText,
			Items: []hostjson.Item{{Kind: hostjson.ItemMember, Member: member}}})
		t.Parts = append(t.Parts, sdk.Part{Kind: hostjson.PartLoop, Loop: uint32(i)})
	}
	tail := "  </units>\n</repository>\n"
	if kind != "content" {
		tail = "  </artifacts>\n</repository>\n"
	}
	t.Parts = append(t.Parts, sdk.Part{Kind: hostjson.PartLiteral, Text: []byte(tail)})
	a, err = sdk.Assemble(h, t)
	if err != nil || a.Irregular > 0 || len(a.Rows) != 2 || int(a.Rows[0]) != count[0] || int(a.Rows[1]) != count[1] {
		// A jar uploaded between the two templates: the guest renders.
		return a, false, err
	}
	return a, true, nil
}

// jarStats returns per directory the number of jars and the newest upload
// time over both; ok is false when a row is not one the template copies
// exactly (a path not ending in .jar, metadata upload did not write).
func jarStats(h sdk.Host) (count [2]int, newest int64, ok bool, err error) {
	t := sdk.Template{ReturnText: true}
	for i, dir := range jarDirs {
		t.Loops = append(t.Loops, sdk.Loop{Source: hostjson.Files, Prefix: dir, Limit: maxAssembledJars, Items: []hostjson.Item{
			{Kind: hostjson.ItemLiteral, Text: []byte("[")},
			{Kind: hostjson.ItemLiteral, Text: []byte("u"), When: []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{regularPrefix}}}},
			{Kind: hostjson.ItemLiteral, Text: []byte("e"), When: []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{emptyUnits}}}},
			{Kind: hostjson.ItemField, Field: hostjson.FieldPath, Form: hostjson.FormRaw},
			{Kind: hostjson.ItemLiteral, Text: []byte("]")}}})
		sep := " "
		if i == 0 {
			sep = ""
		}
		t.Parts = append(t.Parts, sdk.Part{Kind: hostjson.PartLiteral, Text: []byte(sep)},
			sdk.Part{Kind: hostjson.PartCount, Loop: uint32(i)}, sdk.Part{Kind: hostjson.PartLiteral, Text: []byte(" ")},
			sdk.Part{Kind: hostjson.PartMaxCreated, Loop: uint32(i), Form: hostjson.FormUnixMs},
			sdk.Part{Kind: hostjson.PartLiteral, Text: []byte(" ")}, sdk.Part{Kind: hostjson.PartLoop, Loop: uint32(i)})
	}
	a, err := sdk.Assemble(h, t)
	if err != nil || a.Irregular > 0 {
		return count, 0, false, err
	}
	fields := bytes.Fields(a.Text)
	for i := range jarDirs {
		if len(fields) == 0 {
			return count, 0, false, nil
		}
		n, err := strconv.Atoi(string(fields[0]))
		if err != nil || n < 0 {
			return count, 0, false, nil
		}
		count[i] = n
		if n == 0 {
			// An empty loop writes no time and no rows.
			fields = fields[1:]
			continue
		}
		at, err := strconv.ParseInt(string(fields[1]), 10, 64)
		if err != nil || len(fields) < 3 || !regularRows(fields[2], n) {
			return count, 0, false, nil
		}
		newest = max(newest, at)
		fields = fields[3:]
	}
	return count, newest, len(fields) == 0, nil
}

// regularRows checks the marks of n rows: each "[u" + a path ending in
// ".jar" + "]" (upload's metadata, units not empty).
func regularRows(marks []byte, n int) bool {
	for range n {
		end := bytes.IndexByte(marks, ']')
		if end < 0 || !bytes.HasPrefix(marks, []byte("[u")) || bytes.HasPrefix(marks, []byte("[ue")) ||
			!bytes.HasSuffix(marks[:end], []byte(".jar")) {
			return false
		}
		marks = marks[end+1:]
	}
	return len(marks) == 0
}
