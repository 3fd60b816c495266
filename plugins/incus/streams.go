package incus

import (
	"bytes"
	"encoding/json"
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

const (
	// docTTL lets the host keep a rendered document for the repository
	// generation it was made from.
	docTTL      = 60_000
	maxProducts = 20_000
	maxVersions = 1_000
	imagesPath  = "streams/v1/images.json"
)

// item is one file of a product version (ProductVersionItem of
// shared/simplestreams/products.go). The metadata tarball's item carries
// the image fingerprints: the sha256 of the metadata tarball followed by
// the rootfs of each kind.
type item struct {
	FileType         string `json:"ftype"`
	Path             string `json:"path"`
	SHA256           string `json:"sha256"`
	Size             uint64 `json:"size"`
	CombinedSHA256   string `json:"combined_sha256,omitempty"`
	CombinedRootXz   string `json:"combined_rootxz_sha256,omitempty"`
	CombinedSquashFs string `json:"combined_squashfs_sha256,omitempty"`
	CombinedDiskKvm  string `json:"combined_disk-kvm-img_sha256,omitempty"`
}

// versionMeta is what a published serial records: the product's fields
// (the newest serial's are the product's) and the items, pre-rendered.
type versionMeta struct {
	OS           string          `json:"os"`
	Release      string          `json:"release"`
	ReleaseTitle string          `json:"release_title"`
	Arch         string          `json:"arch"`
	Variant      string          `json:"variant"`
	Aliases      string          `json:"aliases"`
	Description  string          `json:"description"`
	Fingerprint  string          `json:"fingerprint"`
	Items        json.RawMessage `json:"items"`
}

type serial struct {
	name string
	meta versionMeta
}

// productVersions reads a product's serials in serial order (the version
// names start with the build date, so that is build order).
func productVersions(h sdk.Host, product string) ([]serial, error) {
	var out []serial
	err := sdk.EachVersion(h, product, maxVersions, func(v sdk.VersionInfo) error {
		var m versionMeta
		if json.Unmarshal(v.Metadata, &m) != nil || len(m.Items) == 0 {
			return nil
		}
		out = append(out, serial{name: v.Version, meta: m})
		return nil
	})
	return out, err
}

// index is streams/v1/index.json (Stream and StreamIndex of
// shared/simplestreams/index.go): the client skips an entry whose
// products list is empty, so a repository without images has none.
func index(h sdk.Host) (*sdk.Response, error) {
	products := []string{}
	err := sdk.EachPackage(h, "", maxProducts, func(p sdk.PackageInfo) error {
		products = append(products, p.Name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	idx := map[string]any{}
	if len(products) > 0 {
		idx["images"] = map[string]any{"datatype": "image-downloads", "path": imagesPath, "format": "products:1.0",
			"products": products}
	}
	return jsonResponse(200, map[string]any{"format": "index:1.0", "index": idx}, docTTL), nil
}

// images is streams/v1/images.json (Products of
// shared/simplestreams/products.go): assembled by the host when every
// serial was published with its file member (assembled.go), else rendered.
func images(h sdk.Host) (*sdk.Response, error) {
	if r := assembledImages(h); r != nil {
		return r, nil
	}
	return renderImages(h)
}

// renderImages writes images.json by hand around the items stored at
// publish time so a render never re-encodes them.
func renderImages(h sdk.Host) (*sdk.Response, error) {
	var b bytes.Buffer
	b.WriteString(imagesHead)
	first := true
	err := sdk.EachPackage(h, "", maxProducts, func(p sdk.PackageInfo) error {
		vs, err := productVersions(h, p.Name)
		if err != nil || len(vs) == 0 {
			return err
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeProduct(&b, p.Name, vs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	b.WriteString("}}")
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b.Bytes(), CacheTTLMs: docTTL,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

func writeProduct(b *bytes.Buffer, id string, vs []serial) {
	last := vs[len(vs)-1].meta
	b.WriteString(strconv.Quote(id))
	b.WriteString(`:{"aliases":`)
	b.WriteString(strconv.Quote(last.Aliases))
	b.WriteString(`,"arch":`)
	b.WriteString(strconv.Quote(last.Arch))
	b.WriteString(`,"os":`)
	b.WriteString(strconv.Quote(last.OS))
	b.WriteString(`,"release":`)
	b.WriteString(strconv.Quote(last.Release))
	b.WriteString(`,"release_title":`)
	b.WriteString(strconv.Quote(last.ReleaseTitle))
	b.WriteString(`,"variant":`)
	b.WriteString(strconv.Quote(last.Variant))
	b.WriteString(`,"versions":{`)
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(v.name))
		b.WriteString(`:{"items":`)
		b.Write(v.meta.Items)
		b.WriteByte('}')
	}
	b.WriteString("}}")
}
