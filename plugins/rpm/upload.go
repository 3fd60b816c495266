package rpm

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Signature and header tags used to check that the header and payload are
// the ones the package was built with (a forged header fails here).
const (
	sigSHA1       = 269  // RPMSIGTAG_SHA1: hex sha1 of the main header
	sigMD5        = 1004 // RPMSIGTAG_MD5: md5 of header + payload
	pgpHashSHA256 = 8
	pgpHashSHA512 = 10
	pgpHashSHA1   = 2
	pgpHashMD5    = 1
)

// PackageMeta is the metadata JSON stored with an uploaded package.
type PackageMeta struct {
	Name    string `json:"name"`
	Epoch   string `json:"epoch"`
	Version string `json:"version"`
	Release string `json:"release"`
	Arch    string `json:"arch"`
	Summary string `json:"summary,omitempty"`
}

func packagePath(file string) string { return "Packages/" + file }

// blobReader reads the request body through the host.
func blobReader(h sdk.Host, digest string) ReadAt {
	return func(off uint64, n uint32) ([]byte, error) {
		b, err := h.ReadBlob(digest, off, n)
		if err != nil {
			return nil, fmt.Errorf("rpm: read upload: %w", err)
		}
		return b, nil
	}
}

// upload stores a package: PUT /<file>.rpm, PUT /Packages/<file>.rpm (file
// must be the header's name-version-release.arch.rpm) or POST /upload.
func upload(h sdk.Host, req *sdk.Request, file string) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 {
		return nil, sdk.Errorf(400, "upload has no body")
	}
	p, err := verify(h, req.Body)
	if err != nil {
		if errors.Is(err, ErrBadPackage) {
			return nil, sdk.Errorf(400, "%s", err)
		}
		return nil, err
	}
	canon := p.FileName()
	if file != "" && file != canon {
		return nil, sdk.Errorf(400, "file name %s does not match the package header (%s)", file, canon)
	}
	dst := packagePath(canon)
	if f, err := h.GetFile(dst); err != nil {
		return nil, err
	} else if f != nil {
		return nil, sdk.Errorf(409, "%s already exists", p.NEVRA())
	}
	st := Stored{SHA256: req.Body.Digest, Size: req.Body.Size, Time: int64(p.BuildTime), Location: dst}
	version := evra(p)
	for _, part := range []struct {
		kind string
		xml  []byte
	}{{"primary", Primary(p, st)}, {"filelists", Filelists(p, st)}, {"other", Other(p, st)}} {
		d, err := h.PutBlob(gz(part.xml))
		if err != nil {
			return nil, fmt.Errorf("rpm: store %s fragment: %w", part.kind, err)
		}
		if err := h.StageFile(sdk.StagedFile{Path: partPath(part.kind, canon), BlobDigest: d,
			ContentType: "application/gzip", Package: p.Name, Version: version}); err != nil {
			return nil, err
		}
	}
	meta, _ := json.Marshal(PackageMeta{Name: p.Name, Epoch: p.Epoch, Version: p.Version, Release: p.Release, Arch: p.Arch, Summary: p.Summary})
	if err := h.StageFile(sdk.StagedFile{Path: dst, BlobDigest: req.Body.Digest, ContentType: "application/x-rpm",
		Package: p.Name, Version: version, Metadata: meta}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: p.Name, Version: version, Metadata: meta}); err != nil {
		return nil, err
	}
	out, _ := json.Marshal(map[string]string{"nevra": p.NEVRA(), "path": dst, "sha256": req.Body.Digest})
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: append(out, '\n'),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// evra is the version key of a package: [epoch:]version-release.arch.
func evra(p *Package) string { return strings.TrimPrefix(p.NEVRA(), p.Name+"-") }

// verify parses the upload and checks the header and payload digests the
// signature header and header record.
func verify(h sdk.Host, body *sdk.Body) (*Package, error) {
	p, ps, err := parse(blobReader(h, body.Digest), body.Size)
	if err != nil {
		return nil, err
	}
	sha1Hex, err := ps.sig.str(sigSHA1)
	if err != nil {
		return nil, err
	}
	if p.HeaderSHA256 == "" && sha1Hex == "" {
		return nil, bad("the signature header has no header digest")
	}
	for _, c := range []struct {
		alg  sdk.HashAlg
		want string
	}{{sdk.SHA256, p.HeaderSHA256}, {sdk.SHA1, sha1Hex}} {
		if c.want == "" {
			continue
		}
		got, err := h.Hash(c.alg, sdk.Source{Bytes: ps.raw})
		if err != nil {
			return nil, fmt.Errorf("rpm: hash header: %w", err)
		}
		if got != strings.ToLower(c.want) {
			return nil, bad("the header does not match its digest in the signature header (forged or damaged)")
		}
	}
	return p, checkPayload(h, body, p, ps)
}

// checkPayload compares the payload's digest with the header's
// PAYLOADDIGEST, or header+payload with the signature header's MD5 (older
// packages). The host hashes the range; its bytes never enter the plugin.
func checkPayload(h sdk.Host, body *sdk.Body, p *Package, ps *parsed) error {
	if p.PayloadDigest != "" {
		algo, _, err := ps.hdr.int(tagPayloadAlgo)
		if err != nil {
			return err
		}
		if algo == 0 {
			algo = pgpHashSHA256
		}
		part, err := payload(h, body, p.Layout.HeaderEnd)
		if err != nil {
			return err
		}
		got := map[uint64]string{pgpHashSHA256: part.Digest, pgpHashSHA512: part.SHA512, pgpHashSHA1: part.SHA1, pgpHashMD5: part.MD5}[algo]
		if got == "" {
			return bad("unsupported payload digest algorithm %d", algo)
		}
		if got != strings.ToLower(p.PayloadDigest) {
			return bad("the payload does not match the header's payload digest (forged or damaged)")
		}
		return nil
	}
	sig := ps.sig
	e, ok := sig.entries[sigMD5]
	if !ok || e.typ != typeBin || e.count != 16 || int(e.off)+16 > len(sig.store) {
		return bad("the package records no payload digest")
	}
	part, err := payload(h, body, p.Layout.HeaderStart)
	if err != nil {
		return err
	}
	if part.MD5 != hex.EncodeToString(sig.store[e.off:e.off+16]) {
		return bad("header and payload do not match the signature header's md5 (forged or damaged)")
	}
	return nil
}

// payload has the host hash the upload from off to its end.
func payload(h sdk.Host, body *sdk.Body, off uint64) (sdk.Body, error) {
	if off >= body.Size {
		return sdk.Body{}, bad("truncated: the package has no payload")
	}
	b, err := sdk.ConcatRanges(h, []sdk.BlobRange{{Digest: body.Digest, Offset: off, Length: body.Size - off}})
	if err != nil {
		return sdk.Body{}, fmt.Errorf("rpm: hash payload: %w", err)
	}
	if b.MD5 == "" || b.SHA1 == "" {
		if b.MD5, err = h.Hash(sdk.MD5, sdk.Source{Blob: b.Digest}); err == nil {
			b.SHA1, err = h.Hash(sdk.SHA1, sdk.Source{Blob: b.Digest})
		}
		if err != nil {
			return sdk.Body{}, fmt.Errorf("rpm: hash payload: %w", err)
		}
	}
	return b, nil
}

// remove deletes a package and its fragments: DELETE /Packages/<file>.
func remove(h sdk.Host, file string) (*sdk.Response, error) {
	f, err := h.GetFile(packagePath(file))
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, sdk.Errorf(404, "not found: Packages/%s", file)
	}
	paths := []string{packagePath(file)}
	for _, k := range kinds {
		paths = append(paths, partPath(k, file))
	}
	for _, p := range paths {
		if err := h.StageDelete(p); err != nil {
			return nil, err
		}
	}
	if err := h.StageVersion(sdk.VersionPut{Package: f.Package, Version: f.Version, Delete: true}); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 204}, nil
}
