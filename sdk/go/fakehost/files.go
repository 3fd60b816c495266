package fakehost

import (
	"errors"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.FilesHost = (*Host)(nil)

// GetFiles is the get-files import of contract 0.7.0, with the host's
// bound (1,000 paths) and its error.
func (h *Host) GetFiles(paths []string) ([]sdk.File, error) {
	if len(paths) > 1000 {
		return nil, errors.New("get-files: too many paths")
	}
	out := make([]sdk.File, 0, len(paths))
	for _, p := range paths {
		if f, ok := h.Files[p]; ok {
			out = append(out, f)
		}
	}
	return out, nil
}
