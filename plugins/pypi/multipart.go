package pypi

import (
	"fmt"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/multipart"
)

// readWindow is how many bytes one ReadBlob reads while scanning (a var for tests).
var readWindow = multipart.DefaultWindow

// Limits of the multipart parser: the body itself may be large (its file
// part stays in the blob), but headers, form fields and part counts are capped.
const (
	maxParts      = 2000
	maxFieldBytes = 64 << 10 // a field we keep; longer kept fields are refused
)

// Part is one part of a multipart/form-data body whose bytes stay in the blob.
type Part = multipart.Part

// Form is a parsed multipart/form-data body: small fields kept in memory
// (only those named in keep), file parts as blob ranges.
type Form = multipart.Form

// Boundary returns the boundary of a multipart/form-data Content-Type.
func Boundary(contentType string) (string, error) {
	b, ok, err := multipart.Boundary(contentType)
	if !ok {
		return "", fmt.Errorf("upload must be multipart/form-data, got %q", contentType)
	}
	return b, err
}

// ParseForm parses a multipart/form-data body stored as a blob without
// loading file parts. Fields named in keep are read (each at most
// maxFieldBytes), other non-file fields are skipped; the file part named
// collect is also copied into Part.Data (while scanning, in one pass) when
// at most collectMax bytes. https://www.rfc-editor.org/rfc/rfc7578
func ParseForm(h sdk.Host, digest string, size uint64, boundary string, keep map[string]bool, collect string, collectMax uint64) (*Form, error) {
	return multipart.Parse(h, digest, size, boundary, multipart.Options{
		Limits: multipart.Limits{Window: readWindow, MaxParts: maxParts, MaxFieldBytes: maxFieldBytes},
		Keep:   keep, Collect: collect, CollectMax: collectMax})
}
