package cran

import (
	"slices"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// A tree's indexes through the host's assemble (contract 0.7.0,
// docs/decisions/0014): one loop over the tree's files, sorted by the host
// on the key upload stored (sortkey.go), writes for the first file of each
// package name (its newest version) the stanza or the PACKAGES.rds row
// upload stored (stored.go), so the records never enter the guest.
// PACKAGES is served by handle; PACKAGES.gz and PACKAGES.rds come back as
// text that the guest gzips (and, for .rds, turns column-major). A file
// without those members (stored before, or anything but a package file
// under the tree) makes the document irregular and the guest renders the
// index as before, as it does when the host refuses the template or the
// tree has no file (assembled_test.go checks the bytes against that
// render).

// indexLoop is the loop over tree t's files writing member m of each
// package's newest file, an empty line between PACKAGES stanzas when sep.
func indexLoop(t Tree, m uint32, sep bool) sdk.Loop {
	changed := hostjson.Condition{Test: hostjson.TestChanged, Member: memName}
	first := hostjson.Condition{Test: hostjson.TestFirst}
	l := sdk.Loop{Source: hostjson.Files, Prefix: t.Dir + "/", Members: indexMembers[:], MemberForm: sdk.MemberText,
		Sort: hostjson.SortAscending, SortMember: memKey}
	if sep {
		l.Items = append(l.Items, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("\n"), When: []hostjson.Condition{changed}})
	}
	l.Items = append(l.Items, hostjson.Item{Kind: hostjson.ItemMember, Member: m, When: []hostjson.Condition{first, changed}})
	return l
}

// indexTemplate is tree t's PACKAGES (rds false) or the text of its
// PACKAGES.rds rows, one after the other (rds true).
func indexTemplate(t Tree, rds, text bool) sdk.Template {
	l := indexLoop(t, memStanza, true)
	if rds {
		l = indexLoop(t, memRDS, false)
	}
	return sdk.Template{Loops: []sdk.Loop{l}, Parts: []sdk.Part{{Kind: hostjson.PartLoop}}, ReturnText: text}
}

// assembledIndex answers tree t's index file through assemble; ok is false
// when the guest must render it.
func assembledIndex(h sdk.Host, t Tree, file string) (r *sdk.Response, ok bool) {
	a, err := sdk.Assemble(h, indexTemplate(t, file == "PACKAGES.rds", file != "PACKAGES"))
	if err != nil || a.Irregular > 0 || len(a.Rows) != 1 || a.Rows[0] == 0 {
		return nil, false
	}
	var body []byte
	ct := "text/plain; charset=utf-8"
	switch file {
	case "PACKAGES":
		if !a.Built() {
			return nil, false
		}
		r = sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: ct})
		r.CacheTTLMs = indexTTLMs
		return r, true
	case "PACKAGES.gz":
		body, ct = gzipFast(a.Text), "application/gzip"
	case "PACKAGES.rds":
		xdr, ok := rdsOfCells(a.Text, t.fields())
		if !ok {
			return nil, false
		}
		body, ct = gzipFast(xdr), "application/octet-stream"
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: body, CacheTTLMs: indexTTLMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: ct}}}, true
}

// cell is one cell of rdsCells' text: NA, or the value at [start, end).
type cell struct {
	na         bool
	utf8       bool
	start, end int
}

// rdsOfCells is the uncompressed PACKAGES.rds of the rows rdsCells wrote
// (row after row, each a cell a column of cols); ok is false when text is
// not that.
func rdsOfCells(text []byte, cols []string) ([]byte, bool) {
	var cells []cell
	for i := 0; i < len(text); {
		switch text[i] {
		case '-':
			cells = append(cells, cell{na: true})
			i++
			continue
		case 'a', 'u':
		default:
			return nil, false
		}
		if i+6 > len(text) {
			return nil, false
		}
		n := 0
		for _, c := range text[i+1 : i+6] {
			d := strings.IndexByte("0123456789abcdef", c)
			if d < 0 {
				return nil, false
			}
			n = n<<4 | d
		}
		if i+6+n > len(text) {
			return nil, false
		}
		cells = append(cells, cell{utf8: text[i] == 'u', start: i + 6, end: i + 6 + n})
		i += 6 + n
	}
	if len(cols) == 0 || len(cells)%len(cols) != 0 {
		return nil, false
	}
	nrow := len(cells) / len(cols)
	return rdsXDR(cols, nrow, func(w *xdr) {
		w.buf = slices.Grow(w.buf, len(text)+8*len(cells))
		for c := range cols { // column-major
			for r := 0; r < nrow; r++ {
				x := cells[r*len(cols)+c]
				if x.na {
					w.int(charSXP)
					w.int(naLength)
					continue
				}
				mask := asciiMask
				if x.utf8 {
					mask = utf8Mask
				}
				w.int(charSXP | mask<<levelShift)
				w.int(x.end - x.start)
				w.buf = append(w.buf, text[x.start:x.end]...)
			}
		}
	}), true
}
