package npm_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"sort"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// testHost is the SDK's fake host plus what it leaves out and the npm
// plugin needs: tar.gz reading and committed package versions.
type testHost struct {
	*fakehost.Host
	clock int64
}

func newHost() *testHost {
	h := &testHost{Host: fakehost.New(&sdk.RepoContext{Key: "js", Kind: "local", Format: "npm",
		BaseURL: "http://keeper.test/npm/js", Generation: 1})}
	h.Accounts = map[string]string{"bob": "bobs-password"}
	return h
}

// commit applies staged writes, including versions (stamped with a clock).
func (h *testHost) commit() {
	for _, v := range h.StagedVersions {
		k := v.Package + "\x00" + v.Version
		if v.Delete {
			delete(h.Versions, k)
			continue
		}
		created := h.Versions[k].CreatedMs
		if created == 0 {
			h.clock++
			created = 1767225600000 + h.clock*1000
		}
		h.Versions[k] = sdk.VersionInfo{Package: v.Package, Version: v.Version, Metadata: v.Metadata, CreatedMs: created}
	}
	h.Commit()
	h.RepoCtx.Generation++
}

func (h *testHost) discard() {
	h.StagedFiles, h.StagedDeletes, h.StagedVersions = nil, nil, nil
	h.StagedKV = map[string][]byte{}
}

func (h *testHost) tarEntries(digest string, fn func(hd *tar.Header, r io.Reader) (bool, error)) error {
	b, ok := h.Blobs[digest]
	if !ok {
		return errors.New("blob not found")
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if stop, err := fn(hd, tr); stop || err != nil {
			return err
		}
	}
}

func (h *testHost) ArchiveList(digest string, kind sdk.ArchiveKind, maxEntries uint32) ([]sdk.ArchiveEntry, error) {
	if kind != sdk.ArchiveTarGz {
		return nil, errors.New("testhost: only tar.gz")
	}
	var out []sdk.ArchiveEntry
	err := h.tarEntries(digest, func(hd *tar.Header, _ io.Reader) (bool, error) {
		if len(out) >= int(maxEntries) {
			return true, errors.New("too many entries")
		}
		out = append(out, sdk.ArchiveEntry{Name: hd.Name, Size: uint64(hd.Size), IsDir: hd.Typeflag == tar.TypeDir})
		return false, nil
	})
	return out, err
}

func (h *testHost) ArchiveRead(digest string, kind sdk.ArchiveKind, name string, maxBytes uint64) ([]byte, error) {
	var out []byte
	found := false
	err := h.tarEntries(digest, func(hd *tar.Header, r io.Reader) (bool, error) {
		if hd.Name != name {
			return false, nil
		}
		if uint64(hd.Size) > maxBytes {
			return true, errors.New("entry too large")
		}
		found = true
		b, err := io.ReadAll(r)
		out = b
		return true, err
	})
	if err == nil && !found {
		err = errors.New("entry not found")
	}
	return out, err
}

// versionsOf lists the committed versions of pkg in order.
func (h *testHost) versionsOf(pkg string) []string {
	var out []string
	for _, v := range h.Versions {
		if v.Package == pkg {
			out = append(out, v.Version)
		}
	}
	sort.Strings(out)
	return out
}
