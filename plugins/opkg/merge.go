package opkg

// Remote and virtual repositories. Packages names files relative to the
// feed (Filename: <name>_<version>_<arch>.ipk), so a remote serves its
// upstream's documents unchanged (no rewrite). A virtual repository's
// feed joins its members' Packages paragraphs (member order; the first
// member wins a Package-Version-Architecture clash), and signs the joined
// Packages with the virtual's own key for Packages.sig (the host binds
// merge to it; no key, no Packages.sig). A local member asked for the
// merge answers every index name with its plain Packages (index.go); a
// remote member answers what its upstream serves: its Packages or
// Packages.gz join, its Packages.sig (a signature of another index) does
// not, so a virtual repository with remote members serves Packages.sig
// only when all of them are local.

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/control"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxIndexBytes bounds one member's and the joined uncompressed index.
const maxIndexBytes = 64 << 20

// Classify implements sdk.Classifier: a package file never changes once
// published (a new build has a new version), the indexes and the key do.
func (Plugin) Classify(path string) sdk.CacheClass {
	switch {
	case strings.HasSuffix(path, ".ipk"):
		return sdk.Immutable
	case path == "/key.asc", strings.HasSuffix(path, "/Packages"), strings.HasSuffix(path, "/Packages.gz"),
		strings.HasSuffix(path, "/Packages.sig"):
		return sdk.Mutable
	}
	return sdk.Unknown
}

// Merge implements sdk.Merger.
func (Plugin) Merge(h sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("opkg: nothing to merge")
	}
	if path == "/key.asc" {
		k, err := sdk.PublicKey(h, sdk.KeyPGPArmored)
		if err != nil {
			return nil, fmt.Errorf("opkg: the virtual repository's key: %w", err)
		}
		return k.Data, nil
	}
	i := strings.LastIndexByte(path, '/')
	file := path[i+1:]
	if file != "Packages" && file != "Packages.gz" && file != "Packages.sig" {
		return docs[0], nil
	}
	plain, err := joinIndexes(docs)
	if err != nil {
		return nil, err
	}
	switch file {
	case "Packages.gz":
		return gzipped(plain), nil
	case "Packages.sig":
		return sdk.Sign(h, sdk.SignPGPDetachedArmored, sdk.Source{Bytes: plain})
	}
	return plain, nil
}

// memberIndex is one member's Packages text: plain, or gunzipped.
func memberIndex(d []byte) (string, error) {
	if bytes.HasPrefix(d, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(d))
		if err != nil {
			return "", fmt.Errorf("gzip: %w", err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxIndexBytes+1))
		if err != nil {
			return "", fmt.Errorf("gzip: %w", err)
		}
		d = out
	}
	if len(d) > maxIndexBytes {
		return "", fmt.Errorf("index larger than %d bytes", maxIndexBytes)
	}
	s := strings.ReplaceAll(string(d), "\r\n", "\n")
	if t := strings.TrimSpace(s); t != "" && !strings.HasPrefix(t, "Package:") {
		return "", fmt.Errorf("not a Packages index (a remote member's signature cannot be merged)")
	}
	return s, nil
}

// joinIndexes joins the members' paragraphs, the first member winning a
// Package-Version-Architecture clash.
func joinIndexes(docs [][]byte) ([]byte, error) {
	var b strings.Builder
	seen := map[string]bool{}
	for i, d := range docs {
		text, err := memberIndex(d)
		if err != nil {
			return nil, fmt.Errorf("opkg: member %d's index: %w", i, err)
		}
		for _, p := range strings.Split(text, "\n\n") {
			p = strings.Trim(p, "\n")
			if p == "" {
				continue
			}
			c, err := control.Parse([]byte(p), maxIndexBytes)
			if err != nil {
				return nil, fmt.Errorf("opkg: member %d's index: %w", i, err)
			}
			key := c.Get("Package") + "\x00" + c.Get("Version") + "\x00" + c.Get("Architecture")
			if seen[key] {
				continue
			}
			seen[key] = true
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString(p + "\n")
			if b.Len() > maxIndexBytes {
				return nil, fmt.Errorf("opkg: joined index larger than %d bytes", maxIndexBytes)
			}
		}
	}
	return []byte(b.String()), nil
}
