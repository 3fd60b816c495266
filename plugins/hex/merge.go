package hex

// Virtual repositories: merge decodes each member's signed resource
// (/names, /versions, /packages/<name>), joins them (the first member wins
// a package in /names and a release in /versions and /packages/<name>),
// names the virtual repository in the payload (hex_core checks it) and
// signs it anew with the virtual repository's own key (the host binds
// merge to it); /public_key of a virtual is that key.
// https://github.com/hexpm/specifications/blob/main/registry-v2.md

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

var _ sdk.Merger = Plugin{}

// maxResource bounds one member's uncompressed resource.
const maxResource = 64 << 20

var errProto = errors.New("hex: malformed registry resource")

// Merge implements sdk.Merger.
func (Plugin) Merge(h sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("hex: nothing to merge")
	}
	if path == "/public_key" {
		k, err := sdk.PublicKey(h, sdk.KeyPKIXPEM)
		if err != nil {
			return nil, fmt.Errorf("hex: the virtual repository's key: %w", err)
		}
		return k.Data, nil
	}
	name, isPkg := strings.CutPrefix(path, "/packages/")
	if path != "/names" && path != "/versions" && !(isPkg && validName(name)) {
		return docs[0], nil
	}
	var repo string
	if h != nil {
		if rc := h.Repo(); rc != nil {
			repo = rc.Key
		}
	}
	if repo == "" {
		return nil, fmt.Errorf("hex: merge is not bound to a repository")
	}
	payloads := make([][]byte, len(docs))
	for i, d := range docs {
		p, err := payloadOf(d)
		if err != nil {
			return nil, fmt.Errorf("hex: member %d's %s: %w", i, path, err)
		}
		payloads[i] = p
	}
	var out []byte
	var err error
	switch {
	case path == "/names":
		out, err = mergeNames(repo, payloads)
	case path == "/versions":
		out, err = mergeVersions(repo, payloads)
	default:
		out, err = mergePackage(repo, name, payloads)
	}
	if err != nil {
		return nil, err
	}
	sig, err := sdk.Sign(h, sdk.SignRSASHA512, sdk.Source{Bytes: out})
	if err != nil {
		return nil, fmt.Errorf("hex: sign the merged %s: %w", path, err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(signed(out, sig))
	_ = zw.Close()
	return gz.Bytes(), nil
}

// payloadOf gunzips a resource and returns its Signed payload (field 1).
func payloadOf(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(zr, maxResource+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxResource {
		return nil, fmt.Errorf("larger than %d bytes", maxResource)
	}
	var payload []byte
	err = fields(b, func(num int, _ uint64, data []byte) error {
		if num == 1 {
			payload = data
		}
		return nil
	})
	if err == nil && payload == nil {
		err = errProto
	}
	return payload, err
}

// fields walks a protobuf message: fn gets each field's number and its
// varint value or length-delimited bytes (fixed-width fields are skipped).
// https://protobuf.dev/programming-guides/encoding/
func fields(b []byte, fn func(num int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errProto
		}
		b = b[n:]
		num := int(key >> 3)
		switch key & 7 {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return errProto
			}
			b = b[n:]
			if err := fn(num, v, nil); err != nil {
				return err
			}
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return errProto
			}
			data := b[n : n+int(l)]
			b = b[n+int(l):]
			if err := fn(num, 0, data); err != nil {
				return err
			}
		case 1:
			if len(b) < 8 {
				return errProto
			}
			b = b[8:]
		case 5:
			if len(b) < 4 {
				return errProto
			}
			b = b[4:]
		default:
			return errProto
		}
	}
	return nil
}

// subString is the string field num of message m.
func subString(m []byte, num int) (string, error) {
	var s string
	err := fields(m, func(n int, _ uint64, data []byte) error {
		if n == num {
			s = string(data)
		}
		return nil
	})
	return s, err
}

// mergeNames joins Names.packages by name, the first member's entry winning.
func mergeNames(repo string, payloads [][]byte) ([]byte, error) {
	byName := map[string][]byte{}
	for _, p := range payloads {
		err := fields(p, func(num int, _ uint64, m []byte) error {
			if num != 1 {
				return nil
			}
			n, err := subString(m, 1)
			if err != nil || n == "" {
				return errProto
			}
			if _, ok := byName[n]; !ok {
				if len(byName) >= maxPackages {
					return fmt.Errorf("hex: more than %d packages", maxPackages)
				}
				byName[n] = m
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var b pb
	for _, n := range sortedKeys(byName) {
		b = b.bytes(1, byName[n])
	}
	return b.str(2, repo), nil
}

// mergeVersions joins Versions.packages: each package's versions, the
// first member's wins a version (and whether it is retired).
func mergeVersions(repo string, payloads [][]byte) ([]byte, error) {
	type pkg struct {
		versions []string
		retired  map[string]bool
	}
	byName := map[string]*pkg{}
	for _, p := range payloads {
		err := fields(p, func(num int, _ uint64, m []byte) error {
			if num != 1 {
				return nil
			}
			var name string
			var vs []string
			var retired []uint64
			err := fields(m, func(n int, v uint64, data []byte) error {
				switch {
				case n == 1:
					name = string(data)
				case n == 2:
					vs = append(vs, string(data))
				case n == 3 && data == nil:
					retired = append(retired, v)
				case n == 3:
					for len(data) > 0 {
						r, k := binary.Uvarint(data)
						if k <= 0 {
							return errProto
						}
						retired, data = append(retired, r), data[k:]
					}
				}
				return nil
			})
			if err != nil || name == "" {
				return errProto
			}
			e := byName[name]
			if e == nil {
				if len(byName) >= maxPackages {
					return fmt.Errorf("hex: more than %d packages", maxPackages)
				}
				e = &pkg{retired: map[string]bool{}}
				byName[name] = e
			}
			isRetired := map[uint64]bool{}
			for _, r := range retired {
				isRetired[r] = true
			}
			for i, v := range vs {
				if _, ok := e.retired[v]; ok || len(e.versions) >= maxReleases {
					continue
				}
				e.versions = append(e.versions, v)
				e.retired[v] = isRetired[uint64(i)]
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]versionsEntry, 0, len(byName))
	for _, n := range sortedKeys(byName) {
		e := byName[n]
		sort.SliceStable(e.versions, func(i, j int) bool { return lessVersion(e.versions[i], e.versions[j]) })
		ve := versionsEntry{Name: n, Versions: e.versions}
		for i, v := range e.versions {
			if e.retired[v] {
				ve.Retired = append(ve.Retired, int32(i))
			}
		}
		out = append(out, ve)
	}
	return encodeVersions(repo, out), nil
}

// mergePackage joins Package.releases, the first member's wins a version.
func mergePackage(repo, name string, payloads [][]byte) ([]byte, error) {
	seen := map[string]bool{}
	type rel struct {
		version string
		raw     []byte
	}
	var rels []rel
	for _, p := range payloads {
		err := fields(p, func(num int, _ uint64, m []byte) error {
			if num != 1 {
				return nil
			}
			v, err := subString(m, 1)
			if err != nil || v == "" {
				return errProto
			}
			if !seen[v] && len(rels) < maxReleases {
				seen[v] = true
				rels = append(rels, rel{v, m})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.SliceStable(rels, func(i, j int) bool { return lessVersion(rels[i].version, rels[j].version) })
	var b pb
	for _, r := range rels {
		b = b.bytes(1, r.raw)
	}
	return b.str(2, name).str(3, repo), nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// lessVersion orders SemVer versions (unparsable ones by text).
func lessVersion(a, b string) bool {
	va, oka := semver.Parse(a)
	vb, okb := semver.Parse(b)
	if !oka || !okb {
		return a < b
	}
	return va.Compare(vb) < 0
}
