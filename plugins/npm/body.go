package npm

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Limits on what a request may make the plugin hold.
const (
	// maxPublishBody caps what a publish document puts in memory: the
	// document without its tarball, which stays in the body (see spool.go)
	// and is bounded only by the host's body limit.
	maxPublishBody = 16 << 20
	// maxDocBody caps documents without attachments (deprecate, dist-tags, login).
	maxDocBody = 8 << 20
	// readSlice is how much one read-blob call asks for.
	readSlice = 4 << 20
	// maxVersionDoc caps the stored metadata of one version.
	maxVersionDoc = 2 << 20
	// maxVersions bounds how many versions a packument lists.
	maxVersions = 20000
	// maxTarEntries and maxUnpacked bound a tarball's contents (bomb guard).
	maxTarEntries = 20000
	maxUnpacked   = 512 << 20
	// maxManifest caps package/package.json inside a tarball.
	maxManifest = 4 << 20
)

// readBody reads the whole request body, refusing bodies over limit.
func readBody(h sdk.Host, req *sdk.Request, limit uint64) ([]byte, error) {
	if req.Body == nil {
		return nil, errf("request body required")
	}
	if req.Body.Size > limit {
		return nil, &sizeError{limit: limit}
	}
	buf := make([]byte, 0, req.Body.Size)
	for uint64(len(buf)) < req.Body.Size {
		chunk, err := h.ReadBlob(req.Body.Digest, uint64(len(buf)), uint32(min(readSlice, req.Body.Size-uint64(len(buf)))))
		if err != nil {
			return nil, err
		}
		if len(chunk) == 0 {
			break
		}
		buf = append(buf, chunk...)
	}
	return buf, nil
}

type sizeError struct{ limit uint64 }

func (e *sizeError) Error() string { return "request body too large" }
