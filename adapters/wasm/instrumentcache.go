package wasm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
)

// instrumented returns module with its yield points inserted. Rewriting a
// Go plugin (3.5–5 MB) costs about 20 ms of CPU, a fifth of loading it from
// the compilation cache, and a released plugin is loaded again on its next
// call: with a cache directory the rewritten module is kept there beside the
// compiled code, named after the source module and the runtime build, and
// read back instead. A file that does not end with the sha256 of its content
// (a torn write, a bad disk) is ignored and written again.
func (r *Runtime) instrumented(module []byte) ([]byte, error) {
	path := r.instrumentedPath(module)
	if path != "" {
		if b, err := os.ReadFile(path); err == nil && len(b) > sha256.Size {
			body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
			if h := sha256.Sum256(body); bytes.Equal(h[:], sum) {
				return body, nil
			}
		}
	}
	out, err := instrument(module)
	if err != nil || path == "" {
		return out, err
	}
	// Written to a temporary name and renamed: processes sharing the cache
	// never read a half-written file. A failure only costs the next load
	// another rewrite.
	sum := sha256.Sum256(out)
	if f, err := os.CreateTemp(filepath.Dir(path), ".keeper-yield-*"); err == nil {
		_, werr := f.Write(out)
		if werr == nil {
			_, werr = f.Write(sum[:])
		}
		cerr := f.Close()
		if werr != nil || cerr != nil || os.Rename(f.Name(), path) != nil {
			_ = os.Remove(f.Name())
		}
	}
	return out, nil
}

// instrumentedPath names the cached rewrite of module ("" without a cache dir).
func (r *Runtime) instrumentedPath(module []byte) string {
	if r.cfg.CacheDir == "" {
		return ""
	}
	h := sha256.New()
	h.Write(module)
	h.Write([]byte(runtimeBuild()))
	return filepath.Join(r.cfg.CacheDir, "keeper-yield-"+hex.EncodeToString(h.Sum(nil)[:16])+".wasm")
}
