package lfs

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.Classifier = Plugin{}

// digestPrefix marks an object path named by its digest reference
// (objects/sha256:OID). Remote and virtual repositories hand out such
// hrefs: the host checks a body fetched from an upstream against the
// digest a path names before it caches it, and a local repository (an
// upstream, a virtual's member) serves the object under either name.
const digestPrefix = "sha256:"

// Classify implements sdk.Classifier: an object is addressed by its
// sha256 and never changes.
func (Plugin) Classify(path string) sdk.CacheClass {
	if oid, ok := strings.CutPrefix(path, "/objects/"); ok && validOID(strings.TrimPrefix(oid, digestPrefix)) {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// digestObject serves objects/sha256:OID as the stored objects/OID (the
// host serves objects/OID itself before the plugin is asked).
func digestObject(h sdk.Host, name string) (*sdk.Response, error) {
	oid, ok := strings.CutPrefix(name, digestPrefix)
	if !ok || !validOID(oid) {
		return nil, fail(404, "object does not exist")
	}
	f, err := h.GetFile(objectPath(oid))
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fail(404, "object does not exist")
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: objectPath(oid),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/octet-stream"}}}, nil
}

// proxiedBatch answers a batch for a remote or virtual repository, which
// holds no objects of its own (https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md).
// Download: every valid object gets an href under this repository naming
// its digest (objects/sha256:OID), which the host serves from the cache
// or the upstream (remote), or from the first member holding it
// (virtual); an object nobody has fails at its download with 404.
// Upload: a remote repository refuses it; a virtual one sends the objects
// (and the verify call) to itself, and the host passes those writes to
// its deployment target, or refuses the batch when it has none.
func proxiedBatch(req *sdk.Request, br batchRequest, header map[string]string) (*sdk.Response, error) {
	kind := req.Repo.Kind
	if br.Operation == "upload" {
		if kind == "remote" {
			return nil, fail(403, "repository "+req.Repo.Key+" is a remote (proxy) repository: it accepts no uploads; push to a local repository")
		}
		if strings.TrimSpace(req.Repo.ConfigValue("deploy_to")) == "" {
			return nil, fail(403, "repository "+req.Repo.Key+" is a virtual repository without a deployment target: push to one of its local members")
		}
	}
	a := newAnswer(req.Repo.BaseURL+"/", digestPrefix, header, len(header) > 0, len(br.Objects))
	for _, o := range br.Objects {
		switch {
		case !validObject(o):
			a.failed(o.OID, o.Size, 422, msgInvalidObject)
		case br.Operation == "download":
			a.downloadAction(o.OID, o.Size)
		default:
			a.uploadActions(o.OID, o.Size)
		}
	}
	return a.reply(), nil
}
