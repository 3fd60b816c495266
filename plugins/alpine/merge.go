package alpine

// Remote and virtual repositories. APKINDEX holds no URLs (apk fetches
// packages beside the index), so a remote needs no rewrite and serves the
// upstream's signed index unchanged. A virtual repository's index is the
// members' entries joined (first member wins a name-version-arch clash),
// signed with the virtual repository's own key (the host binds merge to
// it; unsigned without one); /keys/<name>.rsa.pub of a virtual is that
// key (a member asked for a merge answers any key name, see alpine.go).

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxIndexBytes bounds one member's uncompressed index.
const maxIndexBytes = 64 << 20

// Classify implements sdk.Classifier.
func (Plugin) Classify(path string) sdk.CacheClass {
	switch {
	case strings.HasSuffix(path, "/APKINDEX.tar.gz") || strings.HasPrefix(path, "/keys/"):
		return sdk.Mutable
	case strings.HasSuffix(path, ".apk"):
		return sdk.Immutable
	}
	return sdk.Unknown
}

// Merge implements sdk.Merger.
func (Plugin) Merge(h sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("alpine: nothing to merge")
	}
	if name, ok := strings.CutPrefix(path, "/keys/"); ok {
		k, err := sdk.PublicKey(h, sdk.KeyPKIXPEM)
		if err != nil {
			return nil, fmt.Errorf("alpine: public key: %w", err)
		}
		if name != keyFile(k) {
			return nil, nil // not the virtual's key: the host answers 404
		}
		return k.Data, nil
	}
	if !strings.HasSuffix(path, "/APKINDEX.tar.gz") {
		return docs[0], nil
	}
	var entries []string
	seen := map[string]bool{}
	description := ""
	for i, d := range docs {
		desc, idx, err := readIndex(d)
		if err != nil {
			return nil, fmt.Errorf("alpine: member %d's index: %w", i, err)
		}
		if description == "" {
			description = desc
		}
		for _, e := range strings.Split(idx, "\n\n") {
			if strings.TrimSpace(e) == "" {
				continue
			}
			key := field(e, "P") + "\x00" + field(e, "V") + "\x00" + field(e, "A")
			if seen[key] {
				continue
			}
			seen[key] = true
			entries = append(entries, strings.TrimRight(e, "\n")+"\n")
		}
	}
	mtime := time.Unix(0, 0).UTC()
	idx := IndexSegment(description, entries, mtime)
	sig, err := signIndex(h, idx, mtime)
	if err != nil {
		return nil, err
	}
	return append(sig, idx...), nil
}

func field(entry, k string) string {
	for _, l := range strings.Split(entry, "\n") {
		if v, ok := strings.CutPrefix(l, k+":"); ok {
			return v
		}
	}
	return ""
}

// readIndex returns DESCRIPTION and APKINDEX of an APKINDEX.tar.gz (its
// last gzip stream; a first one is the signature).
func readIndex(b []byte) (string, string, error) {
	var last []byte
	for len(b) > 0 {
		out, n, err := segment(b, maxIndexBytes, "index")
		if err != nil {
			return "", "", err
		}
		last, b = out, b[n:]
	}
	tr := tar.NewReader(bytes.NewReader(last))
	var desc, idx string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", "", err
		}
		data, err := io.ReadAll(io.LimitReader(tr, maxIndexBytes))
		if err != nil {
			return "", "", err
		}
		switch h.Name {
		case "DESCRIPTION":
			desc = string(data)
		case "APKINDEX":
			idx = string(data)
		}
	}
	if idx == "" && desc == "" {
		return "", "", fmt.Errorf("no APKINDEX")
	}
	return desc, idx, nil
}
