package pypi

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// deploy stores a distribution PUT at a path, the body the bare file, as
// Artifactory's deploy by path allows
// (https://jfrog.com/help/r/jfrog-rest-apis/deploy-artifact) and as an
// import from it sends. The paths taken are Keeper's own
// (packages/NAME/FILE) and Artifactory's PyPI layouts (NAME/FILE,
// NAME/VERSION/FILE): the folders must name the file's project (and
// version), the file's own core metadata (METADATA or PKG-INFO) must too.
// The file is stored at Keeper's path and indexed exactly as an upload, so
// pip then finds it; a stored file is never replaced (409, as an upload).
func deploy(h sdk.Host, req *sdk.Request, segs []string) (*sdk.Response, error) {
	if req.User == "" {
		return nil, sdk.Errorf(401, "deploying a distribution requires a logged-in user")
	}
	if req.Body == nil || req.Body.Size == 0 {
		return nil, sdk.Errorf(400, "the request carries no file")
	}
	dist, err := ParseFilename(segs[len(segs)-1])
	if err != nil {
		return nil, sdk.Errorf(400, "%s", err)
	}
	dirs := segs[:len(segs)-1]
	if len(dirs) > 0 && dirs[0] == "packages" {
		dirs = dirs[1:]
	}
	norm := Normalize(dist.Name)
	switch {
	case len(dirs) == 0 || len(dirs) > 2:
		return nil, sdk.Errorf(400, "deploy a distribution at NAME/FILE, NAME/VERSION/FILE or packages/NAME/FILE")
	case Normalize(dirs[0]) != norm:
		return nil, sdk.Errorf(400, "%s belongs to project %s, not %s as the path says", dist.Filename, dist.Name, dirs[0])
	case len(dirs) == 2 && !sameVersion(dist.Version, dirs[1]):
		return nil, sdk.Errorf(400, "%s is version %s, not %s as the path says", dist.Filename, dist.Version, dirs[1])
	}
	if f, err := h.GetFile(filePath(norm, dist.Filename)); err != nil {
		return nil, err
	} else if f != nil {
		return nil, sdk.Errorf(409, "File already exists: %s", dist.Filename)
	}
	version := strings.ReplaceAll(dist.Version, "_", "-")
	if len(dirs) == 2 {
		version = dirs[1]
	}
	return indexDist(h, distUpload{dist: dist, name: dist.Name, norm: norm, version: version,
		digest: req.Body.Digest, size: req.Body.Size})
}
