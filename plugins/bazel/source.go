package bazel

import (
	"encoding/json"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// source.json written ahead of its reads: publish stores the document
// source renders at the path Bazel GETs (modules/NAME/VERSION/source.json),
// so the host's fast path answers it with no plugin call. The document is
// filed under the module and version it describes, so a cleanup policy
// deletes it with them; a version is never changed after its publish (a
// second one is refused), so nothing else rewrites it.
//
// Its url is absolute (the repository's URL as the publishing request
// reached it): the metadata names that URL as "served_base", and the host
// serves the stored document only to requests that reach the repository
// at the same URL; any other request (another listener, a proxy's
// forwarded host when no external URL is configured) reaches source, which
// renders it for that request. Versions published before this have no
// document and are rendered as before. Through a virtual repository
// source.json is merged by the plugin (it is classified mutable), so the
// stored document of a member is never served there.

// sourcePath is where Bazel reads a version's source.json.
func sourcePath(name, version string) string {
	return "modules/" + name + "/" + version + "/source.json"
}

// sourceFileMeta is the metadata of a stored source.json.
type sourceFileMeta struct {
	Base string `json:"served_base"`
}

// stageSource stages the source.json of name@version as source answers it
// at base.
func stageSource(h sdk.Host, base, name, version string, m versionMeta) error {
	blob, err := h.PutBlob(sourceDoc(base, m))
	if err != nil {
		return err
	}
	meta, _ := json.Marshal(sourceFileMeta{Base: base})
	return h.StageFile(sdk.StagedFile{Path: sourcePath(name, version), BlobDigest: blob, ContentType: "application/json",
		Package: name, Version: version, Metadata: meta, Overwrite: true})
}
