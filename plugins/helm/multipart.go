package helm

import (
	"fmt"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/multipart"
)

// Limits of the multipart parser: part bytes stay in the body blob, only
// part headers are read into memory.
const maxParts = 16

// multipartBoundary returns the boundary of a multipart/form-data
// Content-Type, ok=false when the body is not multipart/form-data.
func multipartBoundary(contentType string) (string, bool, error) {
	return multipart.Boundary(contentType)
}

// parseParts locates the parts of a multipart/form-data body stored as a
// blob without loading their content; a name given twice is refused.
// https://www.rfc-editor.org/rfc/rfc7578
func parseParts(h sdk.Host, digest string, size uint64, boundary string) (map[string]multipart.Part, error) {
	f, err := multipart.Parse(h, digest, size, boundary, multipart.Options{Limits: multipart.Limits{MaxParts: maxParts}, Unique: true})
	if err != nil {
		return nil, err
	}
	parts := map[string]multipart.Part{}
	for _, p := range f.Parts {
		parts[p.Name] = p
	}
	return parts, nil
}

// copyPart stores a part's bytes as their own blob (in chunks) and returns its digest.
func copyPart(h sdk.Host, body string, p multipart.Part) (string, error) {
	d, err := multipart.CopyPart(h, body, p)
	if err != nil {
		return "", fmt.Errorf("helm: %w", err)
	}
	return d, nil
}
