package rpm

// Remote and virtual repositories.
//
// Remote: repomd.xml (and its signature) change, everything else is named by
// its content (repodata/<sha256>-<kind>.xml.gz) or by its NEVRA, so it never
// does. The documents' hrefs are relative to the repository, so they need no
// rewrite: a remote serves the upstream's bytes, and its repomd.xml.asc
// still verifies against the upstream's key.
//
// Virtual: merge is pure (it sees only the members' documents), and
// repomd.xml names its documents by checksum, so a member asked for a
// virtual repository (the host asks local members with Accept:
// application/json) appends its documents to repomd.xml in an XML comment;
// merge joins them into one primary, filelists and other and names them by
// their checksums. A member answers repomd.xml.asc and repomd.xml.key the
// same way, so merge renders the virtual's repomd.xml again and signs it
// with the virtual repository's own key (the host binds merge to it), or
// returns that key: clients use repo_gpgcheck=1 with the virtual's key.

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// Bounds of the documents merge holds in memory.
const (
	maxMemberDoc = 32 << 20  // one member's compressed document
	maxMerged    = 256 << 20 // the merged uncompressed document
)

// memberMark starts the comment that carries a member's documents.
const memberMark = "<!-- keeper-member-documents "

// Classify implements sdk.Classifier.
func (Plugin) Classify(path string) sdk.CacheClass {
	switch {
	case path == "/repodata/repomd.xml" || strings.HasPrefix(path, "/repodata/repomd.xml."):
		return sdk.Mutable
	case strings.HasPrefix(path, "/repodata/") && strings.HasSuffix(path, ".xml.gz"):
		// Content-addressed, but in a virtual repository each member's
		// answer must be merged: mutable, so it is.
		return sdk.Mutable
	case strings.HasPrefix(path, "/Packages/") && strings.HasSuffix(path, ".rpm"):
		return sdk.Immutable
	}
	return sdk.Unknown
}

// wantsMember says whether the host asks for a virtual repository's merge.
func wantsMember(req *sdk.Request) bool {
	return strings.Contains(req.Header("Accept"), "application/json")
}

// memberRepomdPaths are the repodata names a member answers with its
// documents for a merge, and the content type of the merged answer.
var memberRepomdPaths = map[string]string{
	"repomd.xml":     "application/xml",
	"repomd.xml.asc": "application/pgp-signature",
	"repomd.xml.key": "application/pgp-keys",
}

// memberRepomd is repomd.xml with the member's documents appended.
func memberRepomd(h sdk.Host, contentType string) (*sdk.Response, error) {
	docs, err := allDocs(h)
	if err != nil {
		return nil, err
	}
	out := repomd(docs)
	out = append(out, memberMark...)
	for _, d := range docs {
		if d.body.Size > maxMemberDoc {
			return nil, sdk.Errorf(413, "%s is larger than %d bytes: too large to merge", d.kind, maxMemberDoc)
		}
		b, err := h.ReadBlob(d.body.Digest, 0, uint32(d.body.Size))
		if err != nil {
			return nil, fmt.Errorf("rpm: read %s: %w", d.kind, err)
		}
		out = fmt.Appendf(out, "%s=%s ", d.kind, base64.StdEncoding.EncodeToString(b))
	}
	out = append(out, "-->\n"...)
	resp := xmlResponse(out)
	resp.Headers = []sdk.Header{{Name: "Content-Type", Value: contentType}}
	return resp, nil
}

// memberDoc answers a document path for a merge: the member's current one.
func memberDoc(h sdk.Host, name string) (*sdk.Response, error) {
	for _, k := range kinds {
		if strings.HasSuffix(name, "-"+k+".xml.gz") {
			d, err := assemble(h, k)
			if err != nil {
				return nil, err
			}
			return &sdk.Response{Status: 200, Kind: sdk.BodyServeBlob, Target: d.body.Digest, CacheTTLMs: indexTTL,
				Headers: []sdk.Header{{Name: "Content-Type", Value: "application/gzip"}}}, nil
		}
	}
	return nil, sdk.Errorf(404, "not found: repodata/%s", name)
}

var (
	countRE = regexp.MustCompile(`packages="(\d+)"`)
	docRE   = regexp.MustCompile(`^/repodata/([0-9a-f]{64})-(primary|filelists|other)\.xml\.gz$`)
)

// Merge implements sdk.Merger.
func (Plugin) Merge(h sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("rpm: nothing to merge")
	}
	if path == "/repodata/repomd.xml" {
		return mergeRepomd(docs)
	}
	if m := docRE.FindStringSubmatch(path); m != nil {
		gz, sum, err := mergeDoc(m[2], docs)
		if err != nil {
			return nil, err
		}
		if sum != m[1] {
			return nil, fmt.Errorf("rpm: %s is not the current merged %s document", path, m[2])
		}
		return gz, nil
	}
	switch path {
	case "/repodata/repomd.xml.asc":
		// The virtual's repomd.xml (the same members' documents render the
		// same bytes) signed with the virtual's key.
		out, err := mergeRepomd(docs)
		if err != nil {
			return nil, err
		}
		sig, err := sdk.Sign(h, sdk.SignPGPDetachedArmored, sdk.Source{Bytes: out})
		if err != nil {
			return nil, fmt.Errorf("rpm: sign the merged repomd.xml: %w", err)
		}
		return sig, nil
	case "/repodata/repomd.xml.key":
		k, err := sdk.PublicKey(h, sdk.KeyPGPArmored)
		if err != nil {
			return nil, fmt.Errorf("rpm: the virtual repository's key: %w", err)
		}
		return k.Data, nil
	}
	return docs[0], nil
}

// mergeRepomd joins the members' documents and renders repomd.xml over them.
func mergeRepomd(members [][]byte) ([]byte, error) {
	byKind := map[string][][]byte{}
	for i, m := range members {
		_, rest, ok := bytes.Cut(m, []byte(memberMark))
		if !ok {
			return nil, fmt.Errorf("rpm: member %d's repomd.xml carries no documents (only local members merge)", i)
		}
		rest, _, _ = bytes.Cut(rest, []byte("-->"))
		for _, f := range strings.Fields(string(rest)) {
			k, v, _ := strings.Cut(f, "=")
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return nil, fmt.Errorf("rpm: member %d's %s: %w", i, k, err)
			}
			byKind[k] = append(byKind[k], b)
		}
	}
	var docs []doc
	for _, k := range kinds {
		if len(byKind[k]) != len(members) {
			return nil, fmt.Errorf("rpm: a member lacks its %s document", k)
		}
		gz, sum, err := mergeDoc(k, byKind[k])
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc{kind: k, body: sdk.Body{Digest: sum, Size: uint64(len(gz))}})
	}
	return repomd(docs), nil
}

// mergeDoc joins the members' compressed documents of kind: one head with
// the summed package count, each member's packages in member order, one tail.
func mergeDoc(kind string, gzs [][]byte) ([]byte, string, error) {
	head, tail := primaryHead, primaryTail
	switch kind {
	case "filelists":
		head, tail = filelistsHead, filelistsTail
	case "other":
		head, tail = otherHead, otherTail
	}
	var body bytes.Buffer
	total := 0
	for i, g := range gzs {
		if len(g) > maxMemberDoc {
			return nil, "", fmt.Errorf("rpm: member %d's %s is larger than %d bytes", i, kind, maxMemberDoc)
		}
		zr, err := gzip.NewReader(bytes.NewReader(g))
		if err != nil {
			return nil, "", fmt.Errorf("rpm: member %d's %s: %w", i, kind, err)
		}
		x, err := io.ReadAll(io.LimitReader(zr, maxMerged+1-int64(body.Len())))
		if err != nil {
			return nil, "", fmt.Errorf("rpm: member %d's %s: %w", i, kind, err)
		}
		// The head is two lines (XML declaration, root element with the count).
		nl := bytes.IndexByte(x, '\n')
		j := -1
		if nl >= 0 {
			j = bytes.IndexByte(x[nl+1:], '\n')
		}
		if j < 0 {
			return nil, "", fmt.Errorf("rpm: member %d's %s is not a Keeper %s document", i, kind, kind)
		}
		start := nl + 1 + j + 1
		m := countRE.FindSubmatch(x[nl+1 : start])
		end := bytes.LastIndex(x, []byte(tail))
		if m == nil || end < start {
			return nil, "", fmt.Errorf("rpm: member %d's %s is not a Keeper %s document", i, kind, kind)
		}
		n, _ := strconv.Atoi(string(m[1]))
		total += n
		body.Write(x[start:end])
		if body.Len() > maxMerged {
			return nil, "", fmt.Errorf("rpm: merged %s is larger than %d bytes", kind, maxMerged)
		}
	}
	out := append(fmt.Appendf(nil, head, total), body.Bytes()...)
	gz := gz(append(out, tail...))
	s := sha256.Sum256(gz)
	return gz, hex.EncodeToString(s[:]), nil
}
