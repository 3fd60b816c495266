package mlmodel

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/jsonscan"
)

// A version's file listing is written by the host as text (the assemble
// import with return-text, contract 0.6.0; docs/decisions/0012), so the
// file rows (paths, four digests, metadata) are never lifted into guest
// structs: one line a file, {"path":…,"size":…,"sha256":…} with the
// whole path, after "m" when the file's metadata may be JSON (it starts
// as a JSON text can). The guest only cuts the version's prefix out of
// each path (JSON escapes are per character, so the escaped path starts
// with the escaped prefix) and reads the card (the last file whose
// metadata is valid JSON) with GetFile. A listing it cannot read line by
// line, or one the host refuses (more than maxList files), is listed by
// listFiles as before.

// jsonStarts are the bytes a JSON text can start with (RFC 8259 §2: white
// space, then a value).
var jsonStarts = []string{" ", "\t", "\n", "\r", "{", "[", `"`, "-", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "t", "f", "n"}

// fileItems write one line of the listing.
var fileItems = []hostjson.Item{
	{Kind: hostjson.ItemLiteral, Text: []byte("m"), When: []hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: jsonStarts}}},
	{Kind: hostjson.ItemLiteral, Text: []byte(`{"path":`)},
	{Kind: hostjson.ItemField, Field: hostjson.FieldPath, Form: hostjson.FormJSONString},
	{Kind: hostjson.ItemLiteral, Text: []byte(`,"size":`)},
	{Kind: hostjson.ItemField, Field: hostjson.FieldSize, Form: hostjson.FormRaw},
	{Kind: hostjson.ItemLiteral, Text: []byte(`,"sha256":`)},
	{Kind: hostjson.ItemField, Field: hostjson.FieldSHA256, Form: hostjson.FormJSONString},
	{Kind: hostjson.ItemLiteral, Text: []byte("}\n")},
}

// textFiles answers GET /<model>/<version>/ like listFiles from the
// host's text listing; ok is false when listFiles must list the files.
func textFiles(h sdk.Host, model, version string) (r *sdk.Response, ok bool, err error) {
	prefix := model + "/" + version + "/"
	a, err := sdk.Assemble(h, sdk.Template{ReturnText: true, Parts: []sdk.Part{{Kind: hostjson.PartLoop}},
		Loops: []sdk.Loop{{Source: hostjson.Files, Prefix: prefix, Limit: maxList, Items: fileItems}}})
	if err != nil || len(a.Rows) != 1 || bytes.Count(a.Text, []byte("\n")) != int(a.Rows[0]) {
		return nil, false, nil
	}
	if a.Rows[0] == 0 {
		return nil, true, sdk.Errorf(404, "no version %s of %s", version, model)
	}
	esc := sdk.AppendJSONString([]byte(`{"path":`), prefix)
	esc = esc[:len(esc)-1] // {"path":"<escaped prefix>
	var cards [][]byte
	for text := a.Text; len(text) > 0; {
		n := bytes.IndexByte(text, '\n')
		line := text[:n]
		text = text[n+1:]
		if len(line) > 0 && line[0] == 'm' {
			line = line[1:]
			cards = append(cards, line)
		}
		if !bytes.HasPrefix(line, esc) {
			return nil, false, nil
		}
	}
	card, ok, err := lastCard(h, cards)
	if err != nil || !ok {
		return nil, false, err
	}
	doc := make([]byte, 0, len(a.Text)+len(card)+2*len(model)+2*len(version)+64)
	doc = append(append(append(doc, `{"card":`...), card...), `,"files":[`...)
	for text, i := a.Text, 0; len(text) > 0; i++ {
		n := bytes.IndexByte(text, '\n')
		line := text[:n]
		text = text[n+1:]
		if line[0] == 'm' {
			line = line[1:]
		}
		if i > 0 {
			doc = append(doc, ',')
		}
		doc = append(append(doc, `{"path":"`...), line[len(esc):]...)
	}
	doc = append(sdk.AppendJSONString(append(sdk.AppendJSONString(append(doc, `],"model":`...), model), `,"version":`...), version), "}\n"...)
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: doc,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, true, nil
}

// lastCard returns the card listFiles writes (encoding/json's form of the
// last valid JSON metadata of the files whose lines are given, in path
// order; null when none is); ok is false when a line's path cannot be
// read back exactly (JSON strings write invalid UTF-8 as U+FFFD).
func lastCard(h sdk.Host, lines [][]byte) (card []byte, ok bool, err error) {
	for i := len(lines) - 1; i >= 0; i-- {
		s := jsonscan.New(lines[i][len(`{"path":`):])
		path, ok := s.Str()
		if !ok || strings.ContainsRune(path, utf8.RuneError) {
			return nil, false, nil
		}
		f, err := h.GetFile(path)
		if err != nil {
			return nil, false, err
		}
		if f == nil {
			continue
		}
		if m := rawOrNil(f.Metadata); m != nil {
			card, err := json.Marshal(m)
			return card, err == nil, err
		}
	}
	return []byte("null"), true, nil
}
