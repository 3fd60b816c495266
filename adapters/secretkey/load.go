package secretkey

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/keeper-registry/keeper/core/secret"
)

// Load returns the Box for secrets at rest. The primary key is key when
// set (secrets.key), else the one in keyFile, which is created with a
// random key, readable by its owner only, when it does not exist. previous
// keys (secrets.previous_keys) still open values sealed before a rotation.
func Load(key, keyFile string, previous []string) (*secret.Box, error) {
	var primary []byte
	var err error
	if key != "" {
		if primary, err = secret.ParseKey(key); err != nil {
			return nil, fmt.Errorf("secretkey: secrets.key: %w", err)
		}
	} else if primary, err = fromFile(keyFile); err != nil {
		return nil, err
	}
	var old [][]byte
	for i, p := range previous {
		k, err := secret.ParseKey(p)
		if err != nil {
			return nil, fmt.Errorf("secretkey: secrets.previous_keys[%d]: %w", i, err)
		}
		old = append(old, k)
	}
	return secret.New(primary, old...)
}

func fromFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k := secret.NewKey()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("secretkey: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) { // another process created it first
			return fromFile(path)
		}
		if err != nil {
			return nil, fmt.Errorf("secretkey: create %s: %w", path, err)
		}
		if _, err := f.WriteString(hex.EncodeToString(k) + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("secretkey: write %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, fmt.Errorf("secretkey: write %s: %w", path, err)
		}
		return k, f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("secretkey: read %s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secretkey: %s is readable by others (mode %v): chmod 600 it", path, fi.Mode().Perm())
	}
	k, err := secret.ParseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("secretkey: %s: %w", path, err)
	}
	return k, nil
}
