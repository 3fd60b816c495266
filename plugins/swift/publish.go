package swift

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/multipart"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// Limits on a publish request.
const (
	maxEntries   = 100000   // entries of a source archive
	maxMetadata  = 64 << 10 // the metadata part (JSON)
	maxSignature = 64 << 10 // a signature part
	maxURLs      = 32       // repositoryURLs kept for §4.5
	maxManifests = 32       // version-specific manifests
)

// publish answers §4.6 (PUT {scope}/{name}/{version}) synchronously: 201
// with Location, 409 when the release exists, 422 for an archive or
// metadata that cannot be a release. Nothing is stored on a refusal.
func publish(h sdk.Host, req *sdk.Request, id identity, version string) (*sdk.Response, error) {
	if req.User == "" {
		return problem(401, "publishing needs a Keeper API token"), nil
	}
	if !semver.Valid(version) {
		return problem(400, "version "+clip(version)+" is not a semantic version"), nil
	}
	if req.Body == nil {
		return problem(400, "the request has no body"), nil
	}
	boundary, ok, err := multipart.Boundary(req.Header("Content-Type"))
	if !ok {
		return problem(415, "a release is published as multipart/form-data"), nil
	}
	if err != nil {
		return problem(400, err.Error()), nil
	}
	form, err := multipart.Parse(h, req.Body.Digest, req.Body.Size, boundary, multipart.Options{Unique: true})
	if err != nil {
		return problem(400, err.Error()), nil
	}
	src, ok := form.Part("source-archive")
	if !ok {
		return problem(422, `the request has no "source-archive" part`), nil
	}
	rs, err := releasesOf(h, id)
	if err != nil {
		return nil, err
	}
	if find(rs, version) >= 0 {
		return problem(409, "a release with version "+version+" of "+id.String()+" already exists"), nil
	}
	meta := releaseMeta{ID: id.String(), SortKey: sortKey(version)}
	if r := readMetadata(h, req, form, &meta); r != nil {
		return r, nil
	}
	digest, err := multipart.CopyPart(h, req.Body.Digest, src)
	if err != nil {
		return nil, err
	}
	meta.Checksum = digest
	if r := checkArchive(h, digest, &meta); r != nil {
		return r, nil
	}
	signed := meta.Signature != ""
	meta.Archive = archivePath(id, version, signed)
	served, err := servedHeaders(meta)
	if err != nil {
		return nil, err
	}
	if err := h.StageFile(sdk.StagedFile{Path: meta.Archive, BlobDigest: digest, ContentType: zipType,
		Package: id.key(), Version: version, Metadata: served}); err != nil {
		return nil, err
	}
	doc, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: id.key(), Version: version, Metadata: doc}); err != nil {
		return nil, err
	}
	for _, u := range meta.URLs {
		if err := h.KVPut(urlNS, canonicalURL(u)+" "+id.key(), []byte(id.String())); err != nil {
			return nil, err
		}
	}
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Headers: []sdk.Header{{Name: "Content-Version", Value: "1"},
		{Name: "Location", Value: releaseURL(req.Repo.BaseURL, id.String(), version)}}}, nil
}

// readMetadata reads the optional metadata part (§4.6.2, a JSON object;
// its repositoryURLs feed §4.5) and the signature parts (§4.6.1): the
// X-Swift-Package-Signature-Format header and the source-archive-signature
// part come together or not at all.
func readMetadata(h sdk.Host, req *sdk.Request, form *multipart.Form, meta *releaseMeta) *sdk.Response {
	if p, ok := form.Part("metadata"); ok {
		if p.Size > maxMetadata {
			return problem(413, "the release metadata is larger than 64 KiB")
		}
		b, err := readPart(h, req.Body.Digest, p)
		if err != nil {
			return problem(400, "the metadata part cannot be read")
		}
		var doc struct {
			RepositoryURLs []string `json:"repositoryURLs"`
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(b, &obj) != nil || json.Unmarshal(b, &doc) != nil {
			return problem(422, "invalid JSON provided for release metadata (an object whose repositoryURLs is a list of strings)")
		}
		if len(doc.RepositoryURLs) > maxURLs {
			return problem(422, "the release metadata lists more than 32 repositoryURLs")
		}
		for _, u := range doc.RepositoryURLs {
			if u == "" || len(u) > 2048 || strings.ContainsAny(u, " \t\r\n") {
				return problem(422, "repositoryURLs holds "+clip(u)+", which is not a URL")
			}
		}
		var c bytes.Buffer
		_ = json.Compact(&c, b)
		meta.Metadata, meta.URLs = c.Bytes(), doc.RepositoryURLs
	}
	format := req.Header("X-Swift-Package-Signature-Format")
	sig, signed := form.Part("source-archive-signature")
	switch {
	case signed && format == "":
		return problem(400, "a signed release needs the X-Swift-Package-Signature-Format header")
	case !signed && format != "":
		return problem(400, `X-Swift-Package-Signature-Format was sent without a "source-archive-signature" part`)
	case !signed:
		return nil
	}
	if len(format) > 64 || !validIdent(strings.ReplaceAll(format, ".", "-"), 64, "-") {
		return problem(400, "signature format "+clip(format)+" is not a format name such as cms-1.0.0")
	}
	if sig.Size == 0 || sig.Size > maxSignature {
		return problem(422, "the source archive signature is empty or larger than 64 KiB")
	}
	b, err := readPart(h, req.Body.Digest, sig)
	if err != nil {
		return problem(400, "the signature part cannot be read")
	}
	meta.SigFormat, meta.Signature = format, base64.StdEncoding.EncodeToString(b)
	return nil
}

func readPart(h sdk.Host, body string, p multipart.Part) ([]byte, error) {
	out := make([]byte, 0, p.Size)
	for uint64(len(out)) < p.Size {
		b, err := h.ReadBlob(body, p.Offset+uint64(len(out)), uint32(p.Size-uint64(len(out))))
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			return nil, errShort
		}
		out = append(out, b...)
	}
	return out, nil
}

var errShort = sdk.Errorf(400, "the body ended early")

// checkArchive refuses a source archive SwiftPM could not use: not a zip,
// names outside the archive, not exactly one top-level folder (the client
// strips it when extracting), or no Package.swift with a
// swift-tools-version in that folder. It records the folder and the
// manifests' tools versions.
func checkArchive(h sdk.Host, digest string, meta *releaseMeta) *sdk.Response {
	ents, err := h.ArchiveList(digest, sdk.ArchiveZip, maxEntries)
	if err != nil {
		return problem(422, "the source archive is not a readable zip archive: "+err.Error())
	}
	root := ""
	var versioned []string
	for _, e := range ents {
		n := strings.ReplaceAll(e.Name, "\\", "/")
		if strings.HasPrefix(n, "/") || n == ".." || strings.HasPrefix(n, "../") || strings.Contains(n, "/../") ||
			strings.HasSuffix(n, "/..") || len(n) > 1 && n[1] == ':' {
			return problem(422, "the source archive holds "+clip(e.Name)+", a path outside the package")
		}
		top, rest, nested := strings.Cut(n, "/")
		if !nested && !e.IsDir {
			return problem(422, "the source archive must hold one top-level folder (as swift package archive-source writes it); "+clip(n)+" is outside it")
		}
		if root == "" {
			root = top
		} else if top != root {
			return problem(422, "the source archive must hold one top-level folder; it holds "+clip(root)+" and "+clip(top))
		}
		if !e.IsDir && strings.HasPrefix(rest, "Package@swift-") && strings.HasSuffix(rest, ".swift") && !strings.Contains(rest, "/") &&
			validSwiftVersion(strings.TrimSuffix(strings.TrimPrefix(rest, "Package@swift-"), ".swift")) {
			versioned = append(versioned, rest)
		}
	}
	if root == "" {
		return problem(422, "the source archive is empty")
	}
	if len(versioned) > maxManifests {
		return problem(422, "the source archive holds more than 32 version-specific manifests")
	}
	meta.Root = root + "/"
	tools, r := toolsOf(h, digest, meta.Root+"Package.swift")
	if r != nil {
		return r
	}
	meta.Tools = tools
	for _, f := range versioned {
		t, r := toolsOf(h, digest, meta.Root+f)
		if r != nil {
			return r
		}
		meta.Manifests = append(meta.Manifests, [2]string{f, t})
	}
	return nil
}

// toolsOf reads a manifest and its swift-tools-version.
func toolsOf(h sdk.Host, digest, name string) (string, *sdk.Response) {
	b, err := h.ArchiveRead(digest, sdk.ArchiveZip, name, maxManifest)
	if err != nil {
		return "", problem(422, "package doesn't contain a valid manifest ("+clip(name)+"): missing or larger than 1 MiB")
	}
	t, ok := toolsVersion(b)
	if !ok {
		return "", problem(422, clip(name)+" does not begin with a // swift-tools-version: comment")
	}
	return t, nil
}

// toolsVersion reads the first line of a manifest, "// swift-tools-version:5.9"
// (SwiftPM's ToolsVersionParser accepts spaces around the colon and a
// ";"-separated suffix).
func toolsVersion(b []byte) (string, bool) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	s := strings.TrimSpace(strings.TrimPrefix(string(line), "\ufeff"))
	s, ok := strings.CutPrefix(s, "//")
	if !ok {
		return "", false
	}
	s = strings.TrimSpace(s)
	if len(s) < 19 || !strings.EqualFold(s[:19], "swift-tools-version") {
		return "", false
	}
	s, ok = strings.CutPrefix(strings.TrimSpace(s[19:]), ":")
	if !ok {
		return "", false
	}
	s, _, _ = strings.Cut(strings.TrimSpace(s), ";")
	s = strings.TrimSpace(s)
	return s, validSwiftVersion(s)
}

// validSwiftVersion: 1 to 3 dot-separated numbers.
func validSwiftVersion(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 6 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// servedHeaders are the §4.4 headers recorded with the stored archive.
func servedHeaders(m releaseMeta) ([]byte, error) {
	raw, err := hex.DecodeString(m.Checksum)
	if err != nil {
		return nil, err
	}
	hs := [][2]string{{"Content-Version", "1"}, {"Digest", "sha-256=" + base64.StdEncoding.EncodeToString(raw)},
		{"Cache-Control", "public, immutable"}}
	if m.Signature != "" {
		hs = append(hs, [2]string{"X-Swift-Package-Signature-Format", m.SigFormat},
			[2]string{"X-Swift-Package-Signature", m.Signature})
	}
	return json.Marshal(map[string]any{"served_headers": hs})
}
