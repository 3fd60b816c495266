package scan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// maxDBFiles bounds the files a database fingerprint looks at.
const maxDBFiles = 10_000

// DBFingerprint hashes the names, sizes and modification times of the
// regular files under dirs (missing dirs count as empty); "" when there
// are none. Replacing a scanner's database file changes it; reading one
// does not. Scanner adapters report it as their database version, so
// verdicts made with another database are scanned again.
func DBFingerprint(dirs ...string) (string, error) {
	h, n := sha256.New(), 0
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			if n++; n > maxDBFiles {
				return fmt.Errorf("more than %d files", maxDBFiles)
			}
			fmt.Fprintf(h, "%s\x00%d\x00%d\n", p, info.Size(), info.ModTime().UnixNano())
			return nil
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("scan: database fingerprint: %w", err)
		}
	}
	if n == 0 {
		return "", nil
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}
