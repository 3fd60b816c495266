package maven

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Upload limits.
const (
	maxChecksumBody = 1024
	maxMetadataBody = 1 << 20
	maxPOMBody      = 4 << 20
	maxPluginXML    = 8 << 20
	maxJarEntries   = 100000
)

// kvUploadedMetadata remembers the digests of the last maven-metadata.xml a
// client uploaded per path, so its checksum sidecars can be verified (the
// served document is generated and differs).
const kvUploadedMetadata = "uploaded-metadata"

// digests of an uploaded document.
type digests struct {
	MD5    string `json:"md5"`
	SHA1   string `json:"sha1"`
	SHA256 string `json:"sha256"`
	SHA512 string `json:"sha512"`
}

func (d digests) get(alg string) string {
	switch alg {
	case "md5":
		return d.MD5
	case "sha1":
		return d.SHA1
	case "sha512":
		return d.SHA512
	}
	return d.SHA256
}

func created() *sdk.Response { return &sdk.Response{Status: 201} }

// put stores an artifact file, verifies a checksum sidecar, or accepts an
// uploaded maven-metadata.xml (kept only as digests).
func put(h sdk.Host, req *sdk.Request, p string, segs []string) (*sdk.Response, error) {
	if req.Body == nil {
		return nil, sdk.Errorf(400, "request has no body")
	}
	if target, alg := splitChecksum(p); alg != "" {
		tsegs := append(segs[:len(segs)-1:len(segs)-1], strings.TrimSuffix(segs[len(segs)-1], "."+alg))
		return putChecksum(h, req, target, tsegs, alg)
	}
	if isMetadataPath(segs) {
		return putMetadata(h, req, p)
	}
	a, ok := parseArtifact(p, segs)
	if !ok {
		return nil, sdk.Errorf(400, "not a Maven repository layout path (group/artifactId/version/artifactId-version[-classifier].ext): %s", p)
	}
	return putArtifact(h, req, a)
}

func putArtifact(h sdk.Host, req *sdk.Request, a artifact) (*sdk.Response, error) {
	existing, err := h.GetFile(a.Path)
	if err != nil {
		return nil, err
	}
	overwrite := a.Snapshot() || req.Repo.ConfigValue("allow_overwrite") == "true"
	if existing != nil && !overwrite {
		return nil, sdk.Errorf(409, "%s:%s is released and immutable: %s already exists", a.Package(), a.Version, a.Path)
	}
	digest := req.Body.Digest
	if isZipExt(a.Extension) {
		if _, err := h.ArchiveList(digest, sdk.ArchiveZip, maxJarEntries); err != nil {
			return nil, sdk.Errorf(400, "%s is not a readable %s (zip) archive: %v", a.Path, a.Extension, err)
		}
	}
	if a.Extension == "pom" {
		pom, err := readPOM(h, req.Body)
		if err != nil {
			return nil, sdk.Errorf(400, "invalid POM %s: %v", a.Path, err)
		}
		if pom.ArtifactID != a.ArtifactID {
			return nil, sdk.Errorf(400, "POM artifactId %q does not match the path's %q", pom.ArtifactID, a.ArtifactID)
		}
		if v := pom.Version; v != "" && !strings.Contains(v, "${") && v != a.Version {
			return nil, sdk.Errorf(400, "POM version %q does not match the path's %q", v, a.Version)
		}
		if g := pom.groupID(); g != "" && !strings.Contains(g, "${") && g != a.GroupID() {
			return nil, sdk.Errorf(400, "POM groupId %q does not match the path's %q", g, a.GroupID())
		}
		if pom.Packaging == "maven-plugin" {
			if err := recordPlugin(h, a, pom); err != nil {
				return nil, err
			}
		}
	}
	if a.Extension == "jar" && a.Classifier == "" {
		if err := updatePluginPrefix(h, a, digest); err != nil {
			return nil, err
		}
	}
	f := sdk.StagedFile{Path: a.Path, BlobDigest: digest, ContentType: contentType(a.Extension),
		Package: a.Package(), Version: a.Version, Overwrite: overwrite}
	if a.Extension == "jar" || a.Extension == "war" || a.Extension == "ear" {
		// The scanners read a Java archive itself (its pom.properties and
		// manifest, nested jars), not an unpacked one.
		f.Metadata = sdk.WithScan(nil, sdk.ScanLayout{Unpack: sdk.ScanNone, Mode: sdk.ScanRootfs})
	}
	if err := h.StageFile(f); err != nil {
		return nil, err
	}
	// The version's place in maven-metadata.xml, for the host's sort
	// (sortkey.go, assembled.go).
	if err := h.StageVersion(sdk.VersionPut{Package: a.Package(), Version: a.Version, Metadata: versionMeta(a.Version)}); err != nil {
		return nil, err
	}
	return created(), nil
}

// putChecksum verifies an uploaded sidecar against the stored file (or the
// uploaded metadata) and stores nothing: sidecars are computed on GET.
func putChecksum(h sdk.Host, req *sdk.Request, target string, tsegs []string, alg string) (*sdk.Response, error) {
	if req.Body.Size > maxChecksumBody {
		return nil, sdk.Errorf(400, "checksum body of %d bytes is too large", req.Body.Size)
	}
	raw, err := h.ReadBlob(req.Body.Digest, 0, maxChecksumBody)
	if err != nil {
		return nil, err
	}
	// A sidecar is the hex digest, optionally followed by a file name.
	fields := strings.Fields(string(raw))
	if len(fields) == 0 {
		return nil, sdk.Errorf(400, "empty %s checksum for %s", alg, target)
	}
	got := strings.ToLower(fields[0])
	if len(got) != checksumHexLen[alg] || !isHex(got) {
		return nil, sdk.Errorf(400, "malformed %s checksum for %s: want %d hex digits", alg, target, checksumHexLen[alg])
	}
	var want string
	if isMetadataPath(tsegs) {
		v, ok, err := h.KVGet(kvUploadedMetadata, target)
		if err != nil {
			return nil, err
		}
		var d digests
		if !ok || json.Unmarshal(v, &d) != nil {
			return nil, sdk.Errorf(400, "checksum for %s, which was not uploaded", target)
		}
		want = d.get(alg)
	} else {
		if _, ok := parseArtifact(target, tsegs); !ok {
			return nil, sdk.Errorf(400, "checksum for a path outside the Maven layout: %s", target)
		}
		f, err := h.GetFile(target)
		if err != nil {
			return nil, err
		}
		if f == nil {
			return nil, sdk.Errorf(400, "checksum for %s, which was not uploaded", target)
		}
		if want, err = fileChecksum(h, f, alg); err != nil {
			return nil, err
		}
	}
	if got != want {
		return nil, sdk.Errorf(400, "%s checksum mismatch for %s: uploaded %s, stored file has %s", alg, target, got, want)
	}
	return created(), nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// putMetadata accepts a client's maven-metadata.xml: it must be a metadata
// document; only its digests are kept (the served one is generated).
func putMetadata(h sdk.Host, req *sdk.Request, p string) (*sdk.Response, error) {
	if req.Body.Size > maxMetadataBody {
		return nil, sdk.Errorf(400, "%s is larger than %d bytes", p, maxMetadataBody)
	}
	raw, err := h.ReadBlob(req.Body.Digest, 0, uint32(req.Body.Size))
	if err != nil {
		return nil, err
	}
	var doc struct {
		XMLName xml.Name `xml:"metadata"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return nil, sdk.Errorf(400, "%s is not a maven-metadata document: %v", p, err)
	}
	d := digests{SHA256: req.Body.Digest, SHA1: req.Body.SHA1, MD5: req.Body.MD5, SHA512: req.Body.SHA512}
	for _, alg := range checksumAlgs {
		if d.get(alg) != "" {
			continue
		}
		sum, err := h.Hash(hashAlg(alg), sdk.Source{Bytes: raw})
		if err != nil {
			return nil, err
		}
		switch alg {
		case "md5":
			d.MD5 = sum
		case "sha1":
			d.SHA1 = sum
		case "sha512":
			d.SHA512 = sum
		}
	}
	v, _ := json.Marshal(d)
	if err := h.KVPut(kvUploadedMetadata, p, v); err != nil {
		return nil, err
	}
	return created(), nil
}

// pom is what the plugin reads of a POM (https://maven.apache.org/pom.html).
type pom struct {
	XMLName    xml.Name `xml:"project"`
	GroupID    string   `xml:"groupId"`
	ArtifactID string   `xml:"artifactId"`
	Version    string   `xml:"version"`
	Packaging  string   `xml:"packaging"`
	Name       string   `xml:"name"`
	Parent     struct {
		GroupID string `xml:"groupId"`
	} `xml:"parent"`
}

func (p *pom) groupID() string {
	if p.GroupID != "" {
		return p.GroupID
	}
	return p.Parent.GroupID
}

func readPOM(h sdk.Host, body *sdk.Body) (*pom, error) {
	if body.Size > maxPOMBody {
		return nil, errors.New("larger than 4 MiB")
	}
	raw, err := h.ReadBlob(body.Digest, 0, uint32(body.Size))
	if err != nil {
		return nil, err
	}
	var p pom
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty document")
		}
		return nil, err
	}
	p.GroupID, p.ArtifactID = strings.TrimSpace(p.GroupID), strings.TrimSpace(p.ArtifactID)
	p.Version, p.Packaging = strings.TrimSpace(p.Version), strings.TrimSpace(p.Packaging)
	p.Name, p.Parent.GroupID = strings.TrimSpace(p.Name), strings.TrimSpace(p.Parent.GroupID)
	if p.ArtifactID == "" {
		return nil, errors.New("no artifactId")
	}
	return &p, nil
}

// recordPlugin records a maven-plugin for the group-level metadata. The
// prefix is the goalPrefix of META-INF/maven/plugin.xml in the plugin's
// jar when it is already stored (mvn deploys the jar before the POM), else
// the naming convention (https://maven.apache.org/guides/introduction/introduction-to-plugin-prefix-mapping.html).
func recordPlugin(h sdk.Host, a artifact, p *pom) error {
	info := pluginInfo{Name: p.Name, ArtifactID: a.ArtifactID, Prefix: prefixFromArtifactID(a.ArtifactID)}
	if info.Name == "" || strings.Contains(info.Name, "${") {
		info.Name = a.ArtifactID
	}
	jar := strings.TrimSuffix(a.Path, ".pom") + ".jar"
	if f, err := h.GetFile(jar); err == nil && f != nil {
		if prefix := goalPrefix(h, f.BlobDigest); prefix != "" {
			info.Prefix = prefix
		}
	}
	v, _ := json.Marshal(info)
	return h.KVPut(kvPlugins, a.GroupPath+"/"+a.ArtifactID, v)
}

// updatePluginPrefix takes the goalPrefix from the main jar of an artifact
// already recorded as a plugin (mvn's deploy plugin 3 sends the POM first).
func updatePluginPrefix(h sdk.Host, a artifact, jarDigest string) error {
	key := a.GroupPath + "/" + a.ArtifactID
	v, ok, err := h.KVGet(kvPlugins, key)
	if err != nil || !ok {
		return err
	}
	var info pluginInfo
	if json.Unmarshal(v, &info) != nil {
		return nil
	}
	prefix := goalPrefix(h, jarDigest)
	if prefix == "" || prefix == info.Prefix {
		return nil
	}
	info.Prefix = prefix
	v, _ = json.Marshal(info)
	return h.KVPut(kvPlugins, key, v)
}

// goalPrefix reads the goalPrefix of META-INF/maven/plugin.xml in a jar ("" when absent).
func goalPrefix(h sdk.Host, jarDigest string) string {
	raw, err := h.ArchiveRead(jarDigest, sdk.ArchiveZip, "META-INF/maven/plugin.xml", maxPluginXML)
	if err != nil {
		return ""
	}
	var desc struct {
		GoalPrefix string `xml:"goalPrefix"`
	}
	if xml.Unmarshal(raw, &desc) != nil || !validID(strings.TrimSpace(desc.GoalPrefix)) {
		return ""
	}
	return strings.TrimSpace(desc.GoalPrefix)
}

// prefixFromArtifactID applies the convention: maven-x-plugin and
// x-maven-plugin have prefix x.
func prefixFromArtifactID(id string) string {
	switch {
	case strings.HasPrefix(id, "maven-") && strings.HasSuffix(id, "-plugin") && len(id) > len("maven--plugin"):
		return strings.TrimSuffix(strings.TrimPrefix(id, "maven-"), "-plugin")
	case strings.HasSuffix(id, "-maven-plugin") && len(id) > len("-maven-plugin"):
		return strings.TrimSuffix(id, "-maven-plugin")
	case strings.HasSuffix(id, "-plugin") && len(id) > len("-plugin"):
		return strings.TrimSuffix(id, "-plugin")
	}
	return id
}
