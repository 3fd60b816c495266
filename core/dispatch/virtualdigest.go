package dispatch

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// digestSuffixes are the checksum sidecars repositories publish beside a
// file (Maven's layout, and repositories that copied it): the name of
// the file plus the algorithm, holding the file's hex digest.
var digestSuffixes = map[string]struct {
	hexLen int
	hash   func() hash.Hash
}{
	".md5": {32, md5.New}, ".sha1": {40, sha1.New}, ".sha256": {64, sha256.New}, ".sha512": {128, sha512.New},
}

// mergedDigest serves the checksum sidecar of a merged document: when
// subPath is a mutable document's name plus a digest suffix and every
// member answered it with a bare hex digest of that algorithm, the answer
// is the digest of the merged document, computed from the merged bytes (a
// member's own digest names its document, not the merge). ok is false when
// the rule does not apply (the members' documents are merged as usual), so a
// format whose names merely end like a sidecar (an npm package "x.sha1")
// is untouched: its members answer documents, not digests.
func (d *Dispatcher) mergedDigest(ctx context.Context, route Route, repo *ports.Repository, members []member, subPath, base string, s ports.Subject, docs [][]byte) (mergedDoc, bool, error) {
	i := strings.LastIndexByte(subPath, '.')
	if i < 0 || strings.Contains(subPath, "?") {
		return mergedDoc{}, false, nil
	}
	alg, ok := digestSuffixes[subPath[i:]]
	target := subPath[:i]
	if !ok || strings.HasSuffix(target, "/") {
		return mergedDoc{}, false, nil
	}
	if _, nested := digestSuffixes[target[max(strings.LastIndexByte(target, '.'), 0):]]; nested {
		return mergedDoc{}, false, nil
	}
	for _, doc := range docs {
		if !isHexDigest(doc, alg.hexLen) {
			return mergedDoc{}, false, nil
		}
	}
	class, err := d.virtual.Classify(ctx, route.PluginID, repo.Format, target)
	if err != nil || class != ports.CacheMutable {
		return mergedDoc{}, false, nil
	}
	doc, err := d.mergedDocument(ctx, route, repo, members, samePath(target), base, s)
	if errors.Is(err, ports.ErrNotFound) {
		return mergedDoc{}, false, nil
	}
	if err != nil {
		return mergedDoc{}, false, err
	}
	h := alg.hash()
	h.Write(doc.body)
	body := []byte(hex.EncodeToString(h.Sum(nil)))
	sum := sha256.Sum256(body)
	return mergedDoc{body: body, etag: hex.EncodeToString(sum[:]), contentType: "text/plain", ttl: doc.ttl}, true, nil
}

// isHexDigest reports whether doc is a hex digest of n characters,
// optionally followed by white space and a file name (sha1sum's format).
func isHexDigest(doc []byte, n int) bool {
	if len(doc) > 4096 {
		return false
	}
	f := strings.Fields(string(doc))
	if len(f) == 0 || len(f) > 2 || len(f[0]) != n {
		return false
	}
	_, err := hex.DecodeString(f[0])
	return err == nil
}
