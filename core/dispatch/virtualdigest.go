package dispatch

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/keeper-registry/keeper/core/remote"
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
	if i < 0 {
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
	doc, err := d.mergedDocument(ctx, route, repo, members, target, base, s)
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

// storedDigest serves the checksum sidecar p of a file a local member
// stores without its sidecar (a plugin that computes sidecars, as Maven's
// does, never stores them): the digest of the file the virtual repository
// serves at the sidecar's target, so the two always agree. ok is false when
// the rule does not apply: p is no sidecar name, the first member holding
// the target is a remote one (its upstream's sidecar names its own copy) or
// refuses the caller, or the member stores p itself.
func (d *Dispatcher) storedDigest(ctx context.Context, members []member, p string) (*Response, bool, error) {
	i := strings.LastIndexByte(p, '.')
	if i <= 0 {
		return nil, false, nil
	}
	alg, ok := digestSuffixes[p[i:]]
	if !ok {
		return nil, false, nil
	}
	target := p[:i]
	for _, m := range members {
		f, err := d.files.GetFile(ctx, m.repo.ID, target)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		if !m.readable || m.repo.Type != ports.RepoLocal {
			return nil, false, nil
		}
		if _, err := d.files.GetFile(ctx, m.repo.ID, p); !isNotFound(err) {
			return nil, false, err
		}
		sum, err := d.fileDigest(ctx, f, p[i+1:], alg.hash)
		if err != nil {
			return nil, false, err
		}
		etag := sha256.Sum256([]byte(sum))
		return rewrittenAnswer(nil, remote.Result{Body: []byte(sum), ETag: hex.EncodeToString(etag[:]),
			File: ports.File{ContentType: "text/plain"}}), true, nil
	}
	return nil, false, nil
}

// fileDigest is f's hex digest: from its row when recorded, else hashed.
func (d *Dispatcher) fileDigest(ctx context.Context, f ports.File, name string, newHash func() hash.Hash) (string, error) {
	known := map[string]string{"md5": f.MD5, "sha1": f.SHA1, "sha256": f.SHA256, "sha512": f.SHA512}[name]
	if known != "" {
		return strings.ToLower(known), nil
	}
	rc, _, err := d.blobs.Open(ctx, f.BlobDigest)
	if err != nil {
		return "", fmt.Errorf("virtual: open %s: %w", f.Path, err)
	}
	defer rc.Close()
	h := newHash()
	if _, err := io.Copy(h, rc); err != nil {
		return "", fmt.Errorf("virtual: read %s: %w", f.Path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
