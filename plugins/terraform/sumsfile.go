package terraform

import (
	"encoding/json"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// SHA256SUMS written ahead of its reads: every provider package upload also
// stores the version's checksums as providerSums answers them, with the
// package just uploaded, at the path terraform GETs
// (-/providers/TYPE/VERSION/terraform-provider-TYPE_VERSION_SHA256SUMS), so
// the host's fast path answers it with no plugin call. The next upload of
// the version rewrites it; an upload is the only write of the plugin that
// changes a version's packages (there is no delete or yank).
//
// The document belongs to no package: a package's files are what the
// provider-versions templates loop over (grouped.go, listing.go) and what
// the listings count, and the checksums are none of them. A write outside
// the plugin may still remove the version's packages (a cleanup policy
// deletes a version whole; the REST API deletes one file): the metadata
// names the package just uploaded as "served_while", and the host serves
// the document only while that package is stored, the plugin's render
// otherwise. A delete through the REST API of another of the version's
// packages is not seen (as for any file derived from others) until the
// version's next upload rewrites the document. Versions uploaded before this
// have none and are rendered as before. The detached signature (.sig) is
// signed per request and stays rendered; through a virtual repository the
// checksums are merged by the plugin (they are classified mutable).

// sumsFileMeta is the metadata of a stored SHA256SUMS.
type sumsFileMeta struct {
	While string `json:"served_while"`
}

// stageSums stages the SHA256SUMS of typ version with the package file
// (stored at path, content digest) this call stages.
func stageSums(h sdk.Host, typ, version, file, path, digest string) error {
	ps, err := platforms(h, typ, version)
	if err != nil {
		return err
	}
	blob, err := h.PutBlob(appendSums(nil, append(ps[version], platform{Filename: file, SHA256: digest})))
	if err != nil {
		return err
	}
	meta, _ := json.Marshal(sumsFileMeta{While: path})
	return h.StageFile(sdk.StagedFile{Path: providerDir(typ, version) + sumsName(typ, version), BlobDigest: blob,
		ContentType: "text/plain; charset=utf-8", Metadata: meta, Overwrite: true})
}
