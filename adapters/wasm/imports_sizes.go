package wasm

import (
	"context"
	"errors"
)

var errTooManySizes = errors.New("file-sizes: too many paths")

// FileSizes is the file-sizes import of contract 0.9.0: the sizes of the
// stored files at paths, in their order, -1 for an absent one (get-files'
// answer without the records).
func (cs *callState) FileSizes(ctx context.Context, paths []string) ([]int64, error) {
	if len(paths) > maxGetFiles {
		return nil, errTooManySizes
	}
	out := make([]int64, len(paths))
	for i, p := range paths {
		f, err := cs.host.GetFile(ctx, p)
		switch {
		case notFound(err):
			out[i] = -1
		case err != nil:
			return nil, err
		default:
			out[i] = f.Size
		}
	}
	return out, nil
}
