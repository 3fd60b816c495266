package ivy

// Publishing is what Ivy's URL resolver does for `ivy:publish` and sbt's
// `publish` to an Ivy-style repository
// (https://ant.apache.org/ivy/history/2.5.0/use/publish.html): one PUT per
// artifact, then one per checksum sidecar (settings "checksums", default
// sha1,md5), and the ivy.xml (with its sidecars) last.

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Upload limits.
const (
	maxChecksumBody = 1024
	maxZipEntries   = 100000
)

var checksumHexLen = map[string]int{"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}

// zipExts are artifact extensions that must be readable zip archives.
var zipExts = map[string]bool{"jar": true, "war": true, "ear": true, "zip": true, "aar": true}

func put(h sdk.Host, req *sdk.Request, segs []string) (*sdk.Response, error) {
	if req.Body == nil {
		return nil, sdk.Errorf(400, "request has no body")
	}
	name, alg := splitChecksum(segs[len(segs)-1])
	tsegs := append(segs[:len(segs)-1:len(segs)-1], name)
	if _, ok := parseMavenPath(tsegs); ok {
		return nil, sdk.Errorf(400, "the Maven-style view is read-only: publish Maven-style to a maven repository, or with the Ivy layout here")
	}
	f, ok := parseIvyFile(tsegs)
	if !ok {
		return nil, sdk.Errorf(400, "not an Ivy layout path (organisation/module/revision/TYPEs/ARTIFACT.EXT): %s", clip(strings.Join(segs, "/")))
	}
	if alg != "" {
		return putChecksum(h, req, f, alg)
	}
	released, err := h.GetFile(descriptorPath(f.Org, f.Module, f.Rev))
	if err != nil {
		return nil, err
	}
	if released != nil {
		return nil, sdk.Errorf(409, "%s#%s;%s is published and immutable", f.Org, f.Module, f.Rev)
	}
	existing, err := h.GetFile(f.Path())
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, sdk.Errorf(409, "%s already exists", f.Path())
	}
	staged := sdk.StagedFile{Path: f.Path(), BlobDigest: req.Body.Digest, ContentType: contentType(f.Ext()),
		Package: f.Package(), Version: f.Rev}
	switch {
	case f.IsDescriptor():
		meta, err := checkDescriptor(h, req.Body, f)
		if err != nil {
			return nil, err
		}
		staged.Metadata = meta
		if err := h.StageVersion(sdk.VersionPut{Package: f.Package(), Version: f.Rev, Metadata: meta}); err != nil {
			return nil, err
		}
	case f.TypeDir == "ivys":
		return nil, sdk.Errorf(400, "the module descriptor is ivys/ivy.xml, not ivys/%s", f.Name)
	case zipExts[f.Ext()]:
		if _, err := h.ArchiveList(req.Body.Digest, sdk.ArchiveZip, maxZipEntries); err != nil {
			return nil, sdk.Errorf(400, "%s is not a readable %s (zip) archive: %v", f.Path(), f.Ext(), err)
		}
		staged.Metadata = sdk.WithScan(nil, sdk.ScanLayout{Unpack: sdk.ScanNone, Mode: sdk.ScanRootfs})
	}
	if err := h.StageFile(staged); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 201}, nil
}

// checkDescriptor reads an uploaded ivy.xml and requires its <info> to
// name the module and revision of its path; it returns the version
// metadata kept with the file.
func checkDescriptor(h sdk.Host, body *sdk.Body, f ivyFile) ([]byte, error) {
	if body.Size > maxDescriptor {
		return nil, sdk.Errorf(400, "ivy.xml is larger than %d bytes", maxDescriptor)
	}
	raw, err := h.ReadBlob(body.Digest, 0, uint32(body.Size))
	if err != nil {
		return nil, err
	}
	d, err := parseDescriptor(raw)
	if err != nil {
		return nil, sdk.Errorf(400, "invalid ivy.xml for %s: %v", f.RevDir(), err)
	}
	for _, c := range [][3]string{{"organisation", d.Info.Org, f.Org}, {"module", d.Info.Module, f.Module}, {"revision", d.Info.Rev, f.Rev}} {
		if c[1] != c[2] {
			return nil, sdk.Errorf(400, "ivy.xml %s %q does not match the path's %q", c[0], clip(c[1]), c[2])
		}
	}
	meta, _ := json.Marshal(map[string]string{"status": d.Info.Status, "publication": d.Info.Pub})
	return meta, nil
}

// putChecksum verifies an uploaded sidecar against the stored file and
// stores it beside the file (Ivy reads it back to verify downloads).
func putChecksum(h sdk.Host, req *sdk.Request, f ivyFile, alg string) (*sdk.Response, error) {
	if req.Body.Size > maxChecksumBody {
		return nil, sdk.Errorf(400, "checksum body of %d bytes is too large", req.Body.Size)
	}
	raw, err := h.ReadBlob(req.Body.Digest, 0, maxChecksumBody)
	if err != nil {
		return nil, err
	}
	fields := strings.Fields(string(raw))
	if len(fields) == 0 {
		return nil, sdk.Errorf(400, "empty %s checksum for %s", alg, f.Path())
	}
	got := strings.ToLower(fields[0])
	if len(got) != checksumHexLen[alg] || strings.Trim(got, "0123456789abcdef") != "" {
		return nil, sdk.Errorf(400, "malformed %s checksum for %s: want %d hex digits", alg, f.Path(), checksumHexLen[alg])
	}
	file, err := h.GetFile(f.Path())
	if err != nil {
		return nil, err
	}
	if file == nil {
		return nil, sdk.Errorf(400, "checksum for %s, which was not uploaded", f.Path())
	}
	want, err := fileChecksum(h, file, alg)
	if err != nil {
		return nil, err
	}
	if got != want {
		return nil, sdk.Errorf(400, "%s checksum mismatch for %s: uploaded %s, stored file has %s", alg, f.Path(), got, want)
	}
	p := f.Path() + "." + alg
	existing, err := h.GetFile(p)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, sdk.Errorf(409, "%s already exists", p)
	}
	if err := h.StageFile(sdk.StagedFile{Path: p, BlobDigest: req.Body.Digest, ContentType: "text/plain",
		Package: f.Package(), Version: f.Rev}); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 201}, nil
}

func contentType(ext string) string {
	switch ext {
	case "xml", "pom":
		return "application/xml"
	case "jar", "war", "ear", "aar":
		return "application/java-archive"
	case "zip":
		return "application/zip"
	}
	return "application/octet-stream"
}
