package npm

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// deploy stores a tarball PUT at its own path (`PUT /NAME/-/NAME-1.0.0.tgz`,
// the body the bare .tgz), as Artifactory's deploy by path allows
// (https://jfrog.com/help/r/jfrog-rest-apis/deploy-artifact) and as an
// import from it sends: the version document is the tarball's own
// package.json, indexed exactly as `npm publish` indexes it, so `npm
// install` then finds it. The name and version package.json declares must
// be the path's; a stored version is never replaced (409, as a publish).
func deploy(h sdk.Host, req *sdk.Request, r ref) (*sdk.Response, error) {
	if req.User == "" {
		return npmError(401, "deploying a tarball requires a logged-in user"), nil
	}
	if req.Body == nil || req.Body.Size == 0 {
		return npmError(400, "the request carries no tarball"), nil
	}
	if magic, err := h.ReadBlob(req.Body.Digest, 0, 2); err != nil || len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return npmError(400, "the body is not a gzip tarball"), nil
	}
	pj, err := readPackageJSON(h, req.Body.Digest)
	if err != nil {
		return npmError(400, err.Error()), nil
	}
	name, version := jsonString(pj["name"]), jsonString(pj["version"])
	if name != r.name {
		return npmError(400, "the tarball's package.json names "+name+", not "+r.name+" as the path does"), nil
	}
	if err := validVersion(version); err != nil {
		return npmError(400, "package.json: "+err.Error()), nil
	}
	path := tarballPath(name, version)
	if want := r.name + "/-/" + r.file; path != want {
		return npmError(400, "the tarball is "+name+"@"+version+": its path is "+path+", not "+want), nil
	}
	if f, err := h.GetFile(path); err != nil {
		return nil, err
	} else if f != nil {
		return npmError(409, "cannot publish over the previously published versions: "+version), nil
	}
	files, unpacked, err := checkTarball(h, req.Body.Digest, name, version)
	if err != nil {
		return npmError(400, err.Error()), nil
	}
	dist, err := digests(h, req.Body.Digest)
	if err != nil {
		return nil, err
	}
	distJSON, _ := json.Marshal(map[string]any{
		"integrity": dist.integrity, "shasum": dist.shasum, "fileCount": files, "unpackedSize": unpacked,
		"tarball": "TARBALL",
	})
	distJSON = bytes.Replace(distJSON, []byte(`"TARBALL"`), []byte(`"`+tarballMarker+jsonEscape(path)+`"`), 1)
	pj["dist"] = distJSON
	pj["_id"], _ = json.Marshal(name + "@" + version)
	pj["_npmUser"], _ = json.Marshal(map[string]string{"name": req.User})
	meta, err := json.Marshal(pj)
	if err != nil {
		return npmError(400, "package.json: "+err.Error()), nil
	}
	if len(meta) > maxVersionDoc {
		return npmError(413, "version metadata exceeds the npm plugin's limit"), nil
	}
	tags, err := loadTags(h, name)
	if err != nil {
		return nil, err
	}
	// Deploys arrive in any order (an import lists paths sorted as
	// strings): latest moves only forward, and never to a prerelease
	// unless nothing else is there.
	if cur := tags["latest"]; cur == "" || (!strings.Contains(version, "-") && semverLess(cur, version)) {
		tags["latest"] = version
	}
	if err := h.StageFile(sdk.StagedFile{Path: path, BlobDigest: req.Body.Digest, ContentType: ctTarball, Package: name, Version: version,
		Metadata: sdk.WithScan(nil, sdk.ScanLayout{Unpack: sdk.ScanTarGz, Mode: sdk.ScanRootfs})}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: name, Version: version, Metadata: meta}); err != nil {
		return nil, err
	}
	if err := saveTags(h, name, tags); err != nil {
		return nil, err
	}
	out, _ := json.Marshal(map[string]any{"ok": true, "id": name, "version": version})
	return jsonResp(201, out), nil
}

// readPackageJSON reads the first top-level folder's package.json (bounded
// by maxManifest) as a JSON object.
func readPackageJSON(h sdk.Host, digest string) (map[string]json.RawMessage, error) {
	entries, err := h.ArchiveList(digest, sdk.ArchiveTarGz, maxTarEntries)
	if err != nil {
		return nil, errf("tarball is not a readable gzip tar: %v", err)
	}
	manifest := ""
	for _, e := range entries {
		if dir, file, ok := strings.Cut(e.Name, "/"); ok && !e.IsDir && dir != "" && file == "package.json" {
			manifest = e.Name
			break
		}
	}
	if manifest == "" {
		return nil, errf("tarball has no package/package.json")
	}
	b, err := h.ArchiveRead(digest, sdk.ArchiveTarGz, manifest, maxManifest)
	if err != nil {
		return nil, errf("tarball %s: %v", manifest, err)
	}
	var pj map[string]json.RawMessage
	if err := json.Unmarshal(b, &pj); err != nil || pj == nil {
		return nil, errf("tarball %s is not a JSON object", manifest)
	}
	return pj, nil
}

// semverLess orders a and b by their numeric major.minor.patch, a
// prerelease before its release (https://semver.org/#spec-item-11,
// prerelease identifiers themselves compared as strings).
func semverLess(a, b string) bool {
	ca, pa, _ := strings.Cut(strings.SplitN(a, "+", 2)[0], "-")
	cb, pb, _ := strings.Cut(strings.SplitN(b, "+", 2)[0], "-")
	na, nb := strings.Split(ca, "."), strings.Split(cb, ".")
	for i := 0; i < 3; i++ {
		x, y := numAt(na, i), numAt(nb, i)
		if x != y {
			return x < y
		}
	}
	switch {
	case pa == pb:
		return false
	case pa == "":
		return false
	case pb == "":
		return true
	}
	return pa < pb
}

func numAt(parts []string, i int) int {
	if i >= len(parts) {
		return 0
	}
	n, _ := strconv.Atoi(parts[i])
	return n
}
