package debian

// Virtual repositories.
//
// A virtual APT repository serves one archive whose indexes join its local
// members' (https://wiki.debian.org/DebianRepository/Format). merge is pure:
// it sees only the members' answers, so a local member asked for a virtual
// repository's merge (the host asks with Accept: application/json) answers
// dists/<dist>/Release, InRelease and Release.gpg with a member document
// holding its Release date and every plain Packages index of that dist, and
// each Packages, Packages.gz or Packages.xz path with its plain Packages.
// merge then concatenates the members' Packages per component and
// architecture (member order; APT reads every stanza, and the same
// package version held twice is one candidate), renders the dist's Release
// over the joined indexes and, for InRelease and Release.gpg, signs it with
// the virtual repository's own key (the host binds merge to it), whose
// public half merge answers for gpg-key.asc: clients use signed-by with the
// virtual's key, or trusted=yes when it has none.
//
// The merged Release lists Packages and Packages.gz (xz would need a
// recompression of every merged index on each change) and no by-hash
// copies: the joined indexes exist only as answers, so APT fetches them by
// name. A remote member's Release is its upstream's, which does not carry
// its indexes: only local members merge (resolution by path, for the
// packages themselves, works through every member).

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.Merger = Plugin{}

// Bounds of what merge holds in memory.
const (
	maxMemberIndexes = 64 << 20 // one member's Packages files together
	maxMergedIndex   = 64 << 20 // one joined Packages file
	// memberTTL: member documents are cached by the host per repository
	// generation (an upload moves it).
	memberTTL = 3600 * 1000
)

// memberRelease is what a local member answers for dists/<dist>/Release
// (and its signatures) when the host asks for a merge.
type memberRelease struct {
	Member string `json:"keeper_apt_member"`
	// Date is the member's Release date (RFC 1123), so the merged Release,
	// and every signature over it, is the same for the same members.
	Date string `json:"date"`
	// Packages are the plain Packages files by "<component>/binary-<arch>".
	Packages map[string][]byte `json:"packages"`
}

// wantsMember says whether the host asks for a virtual repository's merge.
func wantsMember(req *sdk.Request) bool {
	return strings.Contains(req.Header("Accept"), "application/json")
}

// distPath splits dists/<dist>/<rest>.
func distPath(rel string) (dist, rest string, ok bool) {
	p, ok := strings.CutPrefix(rel, "dists/")
	if !ok {
		return "", "", false
	}
	dist, rest, ok = strings.Cut(p, "/")
	return dist, rest, ok && dist != "" && rest != ""
}

// packagesPath splits <component>/binary-<arch>/Packages[.gz|.xz] into the
// index key and the file name.
func packagesPath(rest string) (key, name string, ok bool) {
	i := strings.LastIndexByte(rest, '/')
	if i < 0 {
		return "", "", false
	}
	key, name = rest[:i], rest[i+1:]
	comp, bin, found := strings.Cut(key, "/")
	if !found || comp == "" || !strings.HasPrefix(bin, "binary-") || len(bin) == len("binary-") {
		return "", "", false
	}
	switch name {
	case "Packages", "Packages.gz", "Packages.xz":
		return key, name, true
	}
	return "", "", false
}

// memberAnswer answers a dists/ path for a virtual repository's merge;
// nil, nil when the path is none of the merged documents.
func memberAnswer(h sdk.Host, rel string) (*sdk.Response, error) {
	if rel == "gpg-key.asc" {
		// The virtual's key is its own: the member only lets merge answer.
		return memberResponse("application/pgp-keys", []byte("{}")), nil
	}
	dist, rest, ok := distPath(rel)
	if !ok {
		return nil, nil
	}
	var rs releaseState
	if err := getJSON(h, nsRelease, dist, &rs); err != nil {
		return nil, err
	}
	if len(rs.Files) == 0 {
		return nil, sdk.Errorf(404, "no distribution %s", clip(dist))
	}
	switch rest {
	case "Release", "InRelease", "Release.gpg":
		doc := memberRelease{Member: "1", Date: releaseDate(h, dist), Packages: map[string][]byte{}}
		total := 0
		for p := range rs.Files {
			key, name, ok := packagesPath(p)
			if !ok || name != "Packages" {
				continue
			}
			b, err := storedIndex(h, dist, key)
			if err != nil {
				return nil, err
			}
			if total += len(b); total > maxMemberIndexes {
				return nil, sdk.Errorf(413, "the indexes of %s are larger than %d bytes: too large to merge", clip(dist), maxMemberIndexes)
			}
			doc.Packages[key] = b
		}
		body, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		ct := "text/plain; charset=utf-8"
		if rest == "Release.gpg" {
			ct = "application/pgp-signature"
		}
		return memberResponse(ct, body), nil
	}
	key, name, ok := packagesPath(rest)
	if !ok {
		return nil, nil
	}
	if _, held := rs.Files[key+"/Packages"]; !held {
		return nil, sdk.Errorf(404, "not found: %s", clip(rel))
	}
	b, err := storedIndex(h, dist, key)
	if err != nil {
		return nil, err
	}
	return memberResponse(contentType(name), b), nil
}

func memberResponse(contentType string, body []byte) *sdk.Response {
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: body, CacheTTLMs: memberTTL,
		Headers: []sdk.Header{{Name: "Content-Type", Value: contentType}}}
}

// storedIndex reads the member's plain Packages file of key in dist.
func storedIndex(h sdk.Host, dist, key string) ([]byte, error) {
	f, err := h.GetFile("dists/" + dist + "/" + key + "/Packages")
	if err == nil && f == nil {
		err = fmt.Errorf("debian: the Packages file of %s/%s is missing", dist, key)
	}
	if err != nil {
		return nil, err
	}
	if f.Size > maxMemberIndexes {
		return nil, sdk.Errorf(413, "dists/%s/%s/Packages is larger than %d bytes: too large to merge", dist, key, maxMemberIndexes)
	}
	return readAll(h, f.BlobDigest, f.Size)
}

// releaseDate is the Date of the member's stored Release, or "" when it
// has none.
func releaseDate(h sdk.Host, dist string) string {
	f, err := h.GetFile("dists/" + dist + "/Release")
	if err != nil || f == nil || f.Size > 1<<20 {
		return ""
	}
	b, err := readAll(h, f.BlobDigest, f.Size)
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Date: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Merge implements sdk.Merger.
func (Plugin) Merge(h sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("debian: nothing to merge")
	}
	if path == "/gpg-key.asc" {
		k, err := sdk.PublicKey(h, sdk.KeyPGPArmored)
		if err != nil {
			return nil, fmt.Errorf("debian: the virtual repository's key: %w", err)
		}
		return k.Data, nil
	}
	dist, rest, ok := distPath(strings.TrimPrefix(path, "/"))
	if !ok {
		return docs[0], nil
	}
	switch rest {
	case "Release", "InRelease", "Release.gpg":
		text, err := mergeRelease(dist, docs)
		if err != nil {
			return nil, err
		}
		switch rest {
		case "InRelease":
			return sdk.Sign(h, sdk.SignPGPClear, sdk.Source{Bytes: text})
		case "Release.gpg":
			return sdk.Sign(h, sdk.SignPGPDetachedArmored, sdk.Source{Bytes: text})
		}
		return text, nil
	}
	_, name, ok := packagesPath(rest)
	switch {
	case !ok:
		return docs[0], nil
	case name == "Packages.xz":
		return nil, nil // not listed by the merged Release: no such document
	}
	plain, err := joinIndexes(docs)
	if err != nil {
		return nil, err
	}
	if name == "Packages.gz" {
		return gzipped(plain)
	}
	return plain, nil
}

// mergeRelease renders the Release of dist over the members' joined indexes.
func mergeRelease(dist string, docs [][]byte) ([]byte, error) {
	byKey := map[string][][]byte{}
	var latest time.Time
	for i, d := range docs {
		var m memberRelease
		if err := json.Unmarshal(d, &m); err != nil || m.Member == "" {
			return nil, fmt.Errorf("debian: member %d's Release carries no indexes (only local members of a virtual APT repository merge)", i)
		}
		for k, b := range m.Packages {
			if _, _, ok := packagesPath(k + "/Packages"); !ok {
				return nil, fmt.Errorf("debian: member %d names an index %q", i, clip(k))
			}
			byKey[k] = append(byKey[k], b)
		}
		if t, err := time.Parse(time.RFC1123, m.Date); err == nil && t.After(latest) {
			latest = t
		}
	}
	rs := releaseState{Files: map[string]fileSum{}}
	for k, parts := range byKey {
		plain, err := joinIndexes(parts)
		if err != nil {
			return nil, err
		}
		gz, err := gzipped(plain)
		if err != nil {
			return nil, err
		}
		rs.Files[k+"/Packages"], rs.Files[k+"/Packages.gz"] = sums(plain), sums(gz)
	}
	return renderRelease(dist, &rs, latest.UTC(), false), nil
}

// joinIndexes concatenates Packages files, each ending with the blank line
// that ends its last stanza.
func joinIndexes(docs [][]byte) ([]byte, error) {
	var out bytes.Buffer
	for _, d := range docs {
		d = bytes.TrimRight(d, "\n")
		if len(d) == 0 {
			continue
		}
		if out.Len()+len(d)+2 > maxMergedIndex {
			return nil, fmt.Errorf("debian: the joined index is larger than %d bytes", maxMergedIndex)
		}
		out.Write(d)
		out.WriteString("\n\n")
	}
	return out.Bytes(), nil
}

// gzipped compresses b the same way every time (no name, no time), so the
// Release's checksums and the served Packages.gz agree.
func gzipped(b []byte) ([]byte, error) {
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func sums(b []byte) fileSum {
	m, s1, s256, s512 := md5.Sum(b), sha1.Sum(b), sha256.Sum256(b), sha512.Sum512(b)
	return fileSum{Size: uint64(len(b)), MD5: hex.EncodeToString(m[:]), SHA1: hex.EncodeToString(s1[:]),
		SHA256: hex.EncodeToString(s256[:]), SHA512: hex.EncodeToString(s512[:])}
}
