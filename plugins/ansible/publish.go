package ansible

import (
	"bytes"
	"encoding/json"
	"path"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/multipart"
)

// Limits of an uploaded collection artifact.
const (
	maxEntries  = 100_000
	maxManifest = 1 << 20
	maxDeps     = 1000
)

// importNS is the key-value namespace of import tasks.
const importNS = "imports"

// manifest is the part of MANIFEST.json this plugin reads (the collection
// artifact format written by `ansible-galaxy collection build`):
// https://docs.ansible.com/ansible/latest/dev_guide/collections_galaxy_meta.html
type manifest struct {
	CollectionInfo struct {
		Namespace     string            `json:"namespace"`
		Name          string            `json:"name"`
		Version       string            `json:"version"`
		Authors       []string          `json:"authors"`
		Description   string            `json:"description"`
		License       []string          `json:"license"`
		Tags          []string          `json:"tags"`
		Dependencies  map[string]string `json:"dependencies"`
		Repository    string            `json:"repository"`
		Documentation string            `json:"documentation"`
		Homepage      string            `json:"homepage"`
		Issues        string            `json:"issues"`
	} `json:"collection_info"`
	Format int `json:"format"`
}

// versionMeta is what is stored with an artifact and its version.
type versionMeta struct {
	Namespace     string            `json:"namespace"`
	Name          string            `json:"name"`
	Version       string            `json:"version"`
	Filename      string            `json:"filename"`
	SHA256        string            `json:"sha256"`
	Size          uint64            `json:"size"`
	Task          string            `json:"task"`
	Authors       []string          `json:"authors"`
	Description   string            `json:"description"`
	License       []string          `json:"license"`
	Tags          []string          `json:"tags"`
	Dependencies  map[string]string `json:"dependencies"`
	Repository    string            `json:"repository"`
	Documentation string            `json:"documentation"`
	Homepage      string            `json:"homepage"`
	Issues        string            `json:"issues"`
	// SortKey orders the versions list in the host (assembled.go).
	SortKey string `json:"sort_key,omitempty"`
}

func artifactPath(file string) string { return "download/" + file }

// splitFilename splits NS-NAME-VERSION.tar.gz.
func splitFilename(file string) (ns, name, version string, ok bool) {
	base, ok := strings.CutSuffix(file, ".tar.gz")
	if !ok {
		return "", "", "", false
	}
	parts := strings.SplitN(base, "-", 3)
	if len(parts) != 3 || !validName(parts[0]) || !validName(parts[1]) || !validVersion(parts[2]) {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// taskID is the import task's id: the artifact digest in UUID form.
func taskID(sha string) string {
	return sha[0:8] + "-" + sha[8:12] + "-" + sha[12:16] + "-" + sha[16:20] + "-" + sha[20:32]
}

// publish takes the multipart upload of ansible-galaxy collection publish
// (fields "file" and "sha256"), checks it and stores it. The import runs
// within the request: a refused artifact is a 400 naming the problem and
// stores nothing; an accepted one answers 202 with a task that has
// completed. https://docs.pulpproject.org/pulp_ansible/restapi.html#tag/Api:-Artifacts-Collections-V3
func (a api) publish() (*sdk.Response, error) {
	h, req := a.h, a.req
	if req.Body == nil || req.Body.Size == 0 {
		return nil, galaxyError(400, "invalid", "empty upload: send the collection as the multipart field \"file\"")
	}
	boundary, ok, err := multipart.Boundary(req.Header("Content-Type"))
	if !ok || err != nil {
		return nil, galaxyError(400, "invalid", "the upload must be multipart/form-data with a \"file\" field")
	}
	form, err := multipart.Parse(h, req.Body.Digest, req.Body.Size, boundary, multipart.Options{
		Keep: map[string]bool{"sha256": true}, Limits: multipart.Limits{MaxParts: 20}})
	if err != nil {
		return nil, galaxyError(400, "invalid", "malformed multipart body: "+err.Error())
	}
	part, ok := form.Files["file"]
	if !ok {
		return nil, galaxyError(400, "invalid", "the upload has no \"file\" field")
	}
	file := path.Base(strings.ReplaceAll(part.Filename, "\\", "/"))
	ns, name, version, ok := splitFilename(file)
	if !ok {
		return nil, galaxyError(400, "invalid", "file name "+quote(file)+" is not NAMESPACE-NAME-VERSION.tar.gz")
	}
	want := strings.ToLower(strings.TrimSpace(form.Values["sha256"]))
	if want == "" {
		return nil, galaxyError(400, "invalid", "the upload has no \"sha256\" field")
	}
	if f, err := h.GetFile(artifactPath(file)); err != nil {
		return nil, err
	} else if f != nil {
		return nil, galaxyError(409, "conflict", "collection "+ns+"."+name+" version "+version+" already exists")
	}
	digest, size, err := partContent(h, req.Body.Digest, boundary, part)
	if err != nil {
		return nil, err
	}
	sum, err := h.Hash(sdk.SHA256, sdk.Source{Blob: digest})
	if err != nil {
		return nil, err
	}
	if sum != want {
		return nil, galaxyError(400, "invalid", "the file's sha256 is "+sum+", the upload says "+quote(want))
	}
	m, err := readManifest(h, digest)
	if err != nil {
		return nil, err
	}
	ci := m.CollectionInfo
	if ci.Namespace != ns || ci.Name != name || ci.Version != version {
		return nil, galaxyError(400, "invalid", "MANIFEST.json names "+ci.Namespace+"."+ci.Name+" "+ci.Version+
			", the file name "+ns+"."+name+" "+version)
	}
	meta := versionMeta{Namespace: ns, Name: name, Version: version, Filename: file, SHA256: sum, Size: size,
		Task: taskID(sum), Authors: ci.Authors, Description: ci.Description, License: ci.License, Tags: ci.Tags,
		Dependencies: ci.Dependencies, Repository: ci.Repository, Documentation: ci.Documentation,
		Homepage: ci.Homepage, Issues: ci.Issues, SortKey: sortKey(version)}
	if meta.Dependencies == nil {
		meta.Dependencies = map[string]string{}
	}
	raw, _ := json.Marshal(meta)
	if err := h.StageFile(sdk.StagedFile{Path: artifactPath(file), BlobDigest: digest, ContentType: "application/gzip",
		Package: ns + "." + name, Version: version, Metadata: raw}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: ns + "." + name, Version: version, Metadata: raw}); err != nil {
		return nil, err
	}
	if err := h.KVPut(importNS, meta.Task, []byte(artifactPath(file))); err != nil {
		return nil, err
	}
	return jsonResponse(202, map[string]string{"task": a.basePath() + "/api/v3/imports/collections/" + meta.Task + "/"}, 0), nil
}

// partContent stores the file part's content as its own blob, decoding it
// when the part declares Content-Transfer-Encoding: base64, as
// ansible-galaxy's form does (Python's email MIMEApplication).
func partContent(h sdk.Host, body, boundary string, p multipart.Part) (string, uint64, error) {
	start := p.Offset - min(p.Offset, multipart.DefaultMaxPartHeader)
	head, err := h.ReadBlob(body, start, uint32(p.Offset-start))
	if err != nil {
		return "", 0, err
	}
	if i := bytes.LastIndex(head, []byte("--"+boundary)); i >= 0 {
		head = head[i:]
	}
	for _, line := range strings.Split(string(head), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), "Content-Transfer-Encoding") {
			switch enc := strings.ToLower(strings.TrimSpace(v)); enc {
			case "base64":
				b, err := sdk.DecodeBase64(h, sdk.BlobRange{Digest: body, Offset: p.Offset, Length: p.Size})
				if err != nil {
					return "", 0, galaxyError(400, "invalid", "the file part is not valid base64: "+err.Error())
				}
				return b.Digest, b.Size, nil
			case "binary", "8bit", "7bit":
			default:
				return "", 0, galaxyError(400, "invalid", "unsupported Content-Transfer-Encoding "+quote(enc))
			}
		}
	}
	d, err := multipart.CopyPart(h, body, p)
	return d, p.Size, err
}

// readManifest checks the artifact's entry names and reads MANIFEST.json.
func readManifest(h sdk.Host, digest string) (*manifest, error) {
	entries, err := h.ArchiveList(digest, sdk.ArchiveTarGz, maxEntries)
	if err != nil {
		return nil, galaxyError(400, "invalid", "invalid collection artifact (a gzip-compressed tar archive is expected): "+err.Error())
	}
	found := ""
	for _, e := range entries {
		n := strings.TrimPrefix(e.Name, "./")
		if n == "" || strings.HasPrefix(n, "/") || strings.Contains(n, "\\") || n == ".." || strings.HasPrefix(n, "../") ||
			path.Clean(n) != strings.TrimSuffix(n, "/") {
			return nil, galaxyError(400, "invalid", "invalid collection artifact: entry "+quote(e.Name)+" is not a clean relative path")
		}
		if n == "MANIFEST.json" {
			found = e.Name
		}
	}
	if found == "" {
		return nil, galaxyError(400, "invalid", "invalid collection artifact: no MANIFEST.json at its root")
	}
	b, err := h.ArchiveRead(digest, sdk.ArchiveTarGz, found, maxManifest)
	if err != nil {
		return nil, galaxyError(400, "invalid", "invalid collection artifact: MANIFEST.json: "+err.Error())
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, galaxyError(400, "invalid", "invalid collection artifact: MANIFEST.json is not valid JSON: "+err.Error())
	}
	ci := m.CollectionInfo
	if !validName(ci.Namespace) || !validName(ci.Name) || !validVersion(ci.Version) {
		return nil, galaxyError(400, "invalid", "invalid collection artifact: MANIFEST.json collection_info needs a valid namespace, name and semantic version")
	}
	if len(ci.Dependencies) > maxDeps {
		return nil, galaxyError(400, "invalid", "invalid collection artifact: too many dependencies")
	}
	for dep := range ci.Dependencies {
		dns, dname, ok := strings.Cut(dep, ".")
		if !ok || !validName(dns) || !validName(dname) {
			return nil, galaxyError(400, "invalid", "invalid collection artifact: dependency "+quote(dep)+" is not NAMESPACE.NAME")
		}
	}
	return &m, nil
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
