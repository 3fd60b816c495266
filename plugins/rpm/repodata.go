package rpm

// Repository metadata (rpm-md): repodata/repomd.xml names primary, filelists
// and other by checksum.
// https://github.com/rpm-software-management/createrepo_c/blob/master/src/xml_dump_repomd.c
//
// Layout of a repository (paths under /rpm/<repo>/):
//
//	Packages/<name>-<version>-<release>.<arch>.rpm    the uploaded package
//	repodata/parts/<kind>/<file>.gz                   its rendered fragment, one gzip member
//	repodata/repomd.xml                               rendered on request (cached per generation)
//	repodata/<sha256>-<kind>.xml.gz                   head member + fragments + tail member
//
// A gzip file may hold several members and zlib's gzread (libsolv, librepo)
// reads them as one stream (RFC 1952 §2.2), so a document is joined by the
// host from the per-package members (concat-blobs) without decompressing or
// re-rendering anything: an upload renders only its own package.

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// kinds of documents in repomd order.
var kinds = []string{"primary", "filelists", "other"}

// concatGroup bounds the parts of one concat-blobs call (the host allows 10,000).
const concatGroup = 5000

// maxPackages bounds a repository's listing per document.
const maxPackages = 1000000

func partPath(kind, file string) string { return "repodata/parts/" + kind + "/" + file + ".gz" }

// gz compresses b as one gzip member with no name and no time, so the same
// input always gives the same bytes.
func gz(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

// doc is one assembled document.
type doc struct {
	kind string
	body sdk.Body
	// newest is the newest fragment's creation time, Unix seconds.
	newest int64
}

func (d doc) href() string { return "repodata/" + d.body.Digest + "-" + d.kind + ".xml.gz" }

// assemble joins the head, every fragment of kind in path order and the tail.
func assemble(h sdk.Host, kind string) (doc, error) {
	d := doc{kind: kind}
	var parts []string
	prefix := "repodata/parts/" + kind + "/"
	err := sdk.EachFile(h, prefix, "", maxPackages, func(f sdk.File) error {
		parts = append(parts, f.BlobDigest)
		d.newest = max(d.newest, f.CreatedMs/1000)
		return nil
	})
	if err != nil {
		return d, fmt.Errorf("rpm: list %s fragments: %w", kind, err)
	}
	head, tail := primaryHead, primaryTail
	switch kind {
	case "filelists":
		head, tail = filelistsHead, filelistsTail
	case "other":
		head, tail = otherHead, otherTail
	}
	hd, err := h.PutBlob(gz(fmt.Appendf(nil, head, len(parts))))
	if err != nil {
		return d, fmt.Errorf("rpm: store %s head: %w", kind, err)
	}
	td, err := h.PutBlob(gz([]byte(tail)))
	if err != nil {
		return d, fmt.Errorf("rpm: store %s tail: %w", kind, err)
	}
	for len(parts) > concatGroup {
		var groups []string
		for i := 0; i < len(parts); i += concatGroup {
			b, err := sdk.ConcatBlobs(h, parts[i:min(i+concatGroup, len(parts))])
			if err != nil {
				return d, fmt.Errorf("rpm: join %s: %w", kind, err)
			}
			groups = append(groups, b.Digest)
		}
		parts = groups
	}
	all := append(append([]string{hd}, parts...), td)
	if d.body, err = sdk.ConcatBlobs(h, all); err != nil {
		return d, fmt.Errorf("rpm: join %s: %w", kind, err)
	}
	return d, nil
}

// repomd renders repomd.xml over the three documents.
func repomd(docs []doc) []byte {
	var w xw
	newest := int64(0)
	for _, d := range docs {
		newest = max(newest, d.newest)
	}
	w.s(`<?xml version="1.0" encoding="UTF-8"?>`, "\n",
		`<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">`, "\n",
		"  <revision>", strconv.FormatInt(newest, 10), "</revision>\n")
	for _, d := range docs {
		w.s(`  <data type="`, d.kind, `">`, "\n",
			`    <checksum type="sha256">`, d.body.Digest, "</checksum>\n",
			`    <location href="`, d.href(), `"/>`, "\n",
			"    <timestamp>", strconv.FormatInt(d.newest, 10), "</timestamp>\n",
			"    <size>", u(d.body.Size), "</size>\n",
			"  </data>\n")
	}
	w.s("</repomd>\n")
	return w.Bytes()
}

// allDocs assembles the three documents.
func allDocs(h sdk.Host) ([]doc, error) {
	docs := make([]doc, 0, len(kinds))
	for _, k := range kinds {
		d, err := assemble(h, k)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// indexTTL: documents are cached by the host per repository generation.
const indexTTL = 3600 * 1000

func xmlResponse(b []byte) *sdk.Response {
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: indexTTL,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/xml"}}}
}

// serveRepomd answers GET repodata/repomd.xml.
func serveRepomd(h sdk.Host) (*sdk.Response, error) {
	docs, err := allDocs(h)
	if err != nil {
		return nil, err
	}
	return xmlResponse(repomd(docs)), nil
}

// serveDoc answers GET repodata/<sha256>-<kind>.xml.gz when sha256 is the
// current document's (older ones are gone: 404, and dnf refetches repomd.xml).
func serveDoc(h sdk.Host, name string) (*sdk.Response, error) {
	sum, rest, ok := strings.Cut(name, "-")
	kind, isDoc := strings.CutSuffix(rest, ".xml.gz")
	if !ok || !isDoc || len(sum) != 64 {
		return nil, sdk.Errorf(404, "not found: repodata/%s", name)
	}
	for _, k := range kinds {
		if k != kind {
			continue
		}
		d, err := assemble(h, k)
		if err != nil {
			return nil, err
		}
		if d.body.Digest != sum {
			return nil, sdk.Errorf(404, "repodata/%s is not the current %s document", name, kind)
		}
		return &sdk.Response{Status: 200, Kind: sdk.BodyServeBlob, Target: d.body.Digest, CacheTTLMs: indexTTL,
			Headers: []sdk.Header{{Name: "Content-Type", Value: "application/gzip"}}}, nil
	}
	return nil, sdk.Errorf(404, "not found: repodata/%s", name)
}
