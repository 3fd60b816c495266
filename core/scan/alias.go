package scan

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// An alias file (ports.File, metadata member "alias_of") is a second path
// for the content of another file of the same repository, such as a tag
// that names a manifest. It is not scanned on its own: the policies judge
// it by the file it stands for, so a download through the alias is refused
// exactly when one through that file is.

// aliasKey is the metadata member naming the file an alias stands for.
const aliasKey = `"alias_of"`

// AliasOf returns the path a file's metadata names as "alias_of", "" when
// it names none.
func AliasOf(metadata []byte) string {
	if !strings.Contains(string(metadata), aliasKey) {
		return ""
	}
	var m struct {
		AliasOf string `json:"alias_of"`
	}
	if json.Unmarshal(metadata, &m) != nil {
		return ""
	}
	return m.AliasOf
}

// judged returns the file whose scan decides about the alias f: its target,
// when that is stored with the same content and is no alias itself; ok is
// false otherwise (the target is gone or was replaced).
func (s *Service) judged(ctx context.Context, f ports.File) (ports.File, bool, error) {
	t, err := s.d.Files.GetFile(ctx, f.RepositoryID, AliasOf(f.Metadata))
	if errors.Is(err, ports.ErrNotFound) {
		return f, false, nil
	}
	if err != nil {
		return f, false, err
	}
	if t.BlobDigest != f.BlobDigest || AliasOf(t.Metadata) != "" {
		return f, false, nil
	}
	return t, true, nil
}
