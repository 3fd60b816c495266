package wasm

import (
	"context"

	"github.com/keeper-registry/keeper/ports"
)

// ArchiveEntry is one entry of an archive listing.
type ArchiveEntry struct {
	Name string
	Size int64
	Dir  bool
}

// ListArchive lists the archive blob digest, readable through host, exactly
// as the archive-list import does (kind is the WIT archive-kind value), so
// native test hosts answer like the runtime.
func ListArchive(ctx context.Context, host ports.HostCall, digest string, kind, max uint32) ([]ArchiveEntry, error) {
	es, err := archiveList(ctx, host, digest, kind, max)
	out := make([]ArchiveEntry, len(es))
	for i, e := range es {
		out[i] = ArchiveEntry{Name: e.name, Size: e.size, Dir: e.dir}
	}
	return out, err
}

// ReadArchive reads one entry as the archive-read import does.
func ReadArchive(ctx context.Context, host ports.HostCall, digest string, kind uint32, name string, max int64) ([]byte, error) {
	return archiveRead(ctx, host, digest, kind, name, max)
}
