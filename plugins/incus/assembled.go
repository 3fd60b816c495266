package incus

import (
	"slices"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// images.json is assembled by the host (contract 0.6.0, docs/decisions/0012)
// from a member publish writes into the metadata tarball's file metadata:
// memberItems, the serial's items exactly as the version metadata stores
// them. A return-text listing of those files (product, serial and path, a
// few bytes each) lets the guest order them as the render does (products,
// then serials, in byte order) and write each product's fields, which
// publish derives from the product name alone; the host then copies the
// items in that order. The render answers instead when a file under
// images/ was stored before (no metadata: the listing is irregular), a
// product has a version without such a file, or a name is not one publish
// writes.
const (
	memberItems = "~items"
	imagesDir   = "images/"
)

// imagesHead is what images.json starts with.
const imagesHead = `{"content_id":"images","datatype":"image-downloads","format":"products:1.0","products":{`

// fileMetadata is the metadata of the file at path of a serial whose items
// are items: the metadata tarball's holds them, the rootfs's nothing.
func fileMetadata(path string, metaPath string, items []byte) []byte {
	if path != metaPath {
		return []byte("{}")
	}
	b := append([]byte(`{"`+memberItems+`":`), items...)
	return append(b, '}')
}

// listingLoop lists the metadata tarballs publish wrote the member into:
// product, serial and path, a line each (other files write nothing).
var listingLoop = sdk.Loop{Source: hostjson.Files, Prefix: imagesDir, Items: withWhen(
	[]hostjson.Condition{{Test: hostjson.TestMetadataPrefix, Names: []string{`{"` + memberItems + `":`}}},
	hostjson.Item{Kind: hostjson.ItemField, Field: hostjson.FieldPackage}, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("\t")},
	hostjson.Item{Kind: hostjson.ItemField, Field: hostjson.FieldVersion}, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("\t")},
	hostjson.Item{Kind: hostjson.ItemField, Field: hostjson.FieldPath}, hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("\n")})}

func withWhen(when []hostjson.Condition, items ...hostjson.Item) []hostjson.Item {
	for i := range items {
		items[i].When = when
	}
	return items
}

// countLoops are loops over the versions of products, to count them.
func countLoops(products []string) []sdk.Loop {
	loops := make([]sdk.Loop, len(products))
	for i, p := range products {
		loops[i] = sdk.Loop{Source: hostjson.Versions, Package: p}
	}
	return loops
}

// stored is one listed serial: its sort key (product NUL serial) and the
// path of its metadata tarball.
type stored struct{ key, product, serial, path string }

// assembledImages answers images.json from the files' members; nil when
// the caller must render it (the render also reports the host's errors).
func assembledImages(h sdk.Host) *sdk.Response {
	var products []string
	if err := sdk.EachPackage(h, "", maxProducts+1, func(p sdk.PackageInfo) error {
		products = append(products, p.Name)
		return nil
	}); err != nil || len(products) == 0 || len(products) > maxProducts {
		return nil
	}
	// The listing, and the versions of the first products counted in
	// the same call.
	first := products[:min(len(products), hostjson.MaxLoops-1)]
	list, err := sdk.Assemble(h, sdk.Template{ReturnText: true, Parts: []sdk.Part{{Kind: hostjson.PartLoop}},
		Loops: append([]sdk.Loop{listingLoop}, countLoops(first)...)})
	if err != nil || len(list.Text) == 0 || len(list.Rows) != 1+len(first) {
		return nil
	}
	rows, ok := parseListing(string(list.Text))
	if !ok {
		return nil
	}
	slices.SortFunc(rows, func(a, b stored) int { return strings.Compare(a.key, b.key) })
	perProduct := map[string]uint32{}
	for i, r := range rows {
		if i > 0 && r.key == rows[i-1].key {
			return nil
		}
		perProduct[r.product]++
	}
	if ok, err := sameCounts(h, products, list.Rows[1:], perProduct); err != nil || !ok {
		return nil
	}
	order := make([]sdk.Ordered, len(rows))
	for i, r := range rows {
		var sep []byte
		if i == 0 || r.product != rows[i-1].product {
			if i > 0 {
				sep = []byte("}},")
			}
			sep = appendHead(sep, r.product)
		} else {
			sep = []byte(",")
		}
		order[i] = sdk.Ordered{Key: r.path, Texts: [][]byte{sep}}
	}
	doc, err := sdk.Assemble(h, sdk.Template{
		Loops: []sdk.Loop{{Source: hostjson.Files, Prefix: imagesDir, Members: []string{memberItems}, MemberForm: hostjson.Raw,
			Order: order, Items: []hostjson.Item{{Kind: hostjson.ItemRowText},
				{Kind: hostjson.ItemLiteral, Text: []byte(`"`)}, {Kind: hostjson.ItemField, Field: hostjson.FieldVersion},
				{Kind: hostjson.ItemLiteral, Text: []byte(`":{"items":`)}, {Kind: hostjson.ItemMember},
				{Kind: hostjson.ItemLiteral, Text: []byte(`}`)}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLiteral, Text: []byte(imagesHead)}, {Kind: hostjson.PartLoop},
			{Kind: hostjson.PartLiteral, Text: []byte("}}}}")}}})
	if err != nil || !doc.Built() || doc.Rows[0] != uint32(len(rows)) {
		return nil
	}
	r := sdk.AssembledResponse(200, doc, sdk.Header{Name: "Content-Type", Value: "application/json"})
	r.CacheTTLMs = docTTL
	return r
}

// parseListing reads the listing's lines (product, serial, path) and
// keeps them only if each is a serial publish writes: names it accepts,
// at the path it stores the metadata tarball at.
func parseListing(text string) ([]stored, bool) {
	rows := make([]stored, 0, strings.Count(text, "\n"))
	for text != "" {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		product, rest, _ := strings.Cut(line, "\t")
		serial, path, _ := strings.Cut(rest, "\t")
		f := strings.Split(product, ":")
		if len(f) != 4 || !quotable(serial) || !strings.HasPrefix(path, imagesDir) {
			return nil, false
		}
		for _, n := range f {
			if !validName(n) {
				return nil, false
			}
		}
		dir := imagesDir + f[0] + "/" + f[1] + "/" + f[2] + "/" + f[3] + "/" + serial + "/"
		switch strings.TrimPrefix(path, dir) {
		case "incus.tar.xz", "incus.tar.gz", "image.tar.xz", "image.tar.gz":
		default:
			return nil, false
		}
		rows = append(rows, stored{key: product + "\x00" + serial, product: product, serial: serial, path: path})
	}
	return rows, true
}

// sameCounts reports whether every product has as many versions as listed
// serials (at most maxVersions): a version without its metadata tarball's
// member (stored before it, or its file deleted), which the render would
// list, sends the caller back to it. counted are the counts of the first
// products; the others are counted here, 63 a call.
func sameCounts(h sdk.Host, products []string, counted []uint32, listed map[string]uint32) (bool, error) {
	if len(listed) != len(products) {
		return false, nil
	}
	for start := len(counted); start < len(products); start += hostjson.MaxLoops - 1 {
		more, err := sdk.Assemble(h, sdk.Template{ReturnText: true,
			Loops: countLoops(products[start:min(start+hostjson.MaxLoops-1, len(products))])})
		if err != nil {
			return false, err
		}
		counted = append(counted, more.Rows...)
	}
	for i, p := range products {
		if i >= len(counted) || listed[p] == 0 || listed[p] > maxVersions || counted[i] != listed[p] {
			return false, nil
		}
	}
	return true, nil
}

// appendHead appends a product's key and fields up to its versions, as
// writeProduct writes them from the fields publish derives from the
// product name (os:release:arch:variant, names of validName's letters).
func appendHead(b []byte, product string) []byte {
	f := strings.Split(product, ":")
	img := image{os: f[0], release: f[1], arch: f[2], variant: f[3]}
	b = append(b, strconv.Quote(product)...)
	for _, kv := range [][2]string{{"aliases", img.aliases()}, {"arch", img.arch}, {"os", img.os}, {"release", img.release},
		{"release_title", img.release}, {"variant", img.variant}} {
		sep := `,"`
		if kv[0] == "aliases" {
			sep = `:{"`
		}
		b = append(append(append(b, sep...), kv[0]...), `":`...)
		b = strconv.AppendQuote(b, kv[1])
	}
	return append(b, `,"versions":{`...)
}

// quotable reports whether s is non-empty and only of the characters
// validSerial allows, which strconv.Quote and the template write alike.
func quotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == ':' || c == '.' || c == '-') {
			return false
		}
	}
	return s != ""
}
