package debian

// The archive layout and index files follow
// https://wiki.debian.org/DebianRepository/Format: dists/<dist>/Release
// (with MD5Sum, SHA1, SHA256 and SHA512 lists of the index files and
// Acquire-By-Hash), InRelease (clear-signed Release), Release.gpg (detached
// armored signature), dists/<dist>/<component>/binary-<arch>/Packages(.gz,
// .xz) and their by-hash/<HASH>/<hex> copies.
//
// Indexes are built from per-package fragments so an upload does not reread
// the repository: each package's Packages stanza is appended to a chunk, a
// stored file _index/<dist>/<component>/<arch>/NNNNNN of at most chunkStanzas
// stanzas (kv "index", key "<dist>/<component>/<arch>", counts them); only
// the last chunk is rewritten, and the new Packages file is the host-side
// concatenation of the chunks (concat-ranges: the bytes do not pass through
// the plugin). The dist's Release keeps the digests of its
// index files in kv "release" and is re-rendered and re-signed per upload.

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

const (
	nsIndex      = "index"
	nsRelease    = "release"
	chunkStanzas = 256
	maxChunk     = 4 << 20
	// maxXZ bounds the Packages file that is also served xz-compressed
	// (about 1,500 packages): xz is recompressed whole on every upload.
	maxXZ = 1 << 20
)

// indexState is the kv value of one binary-<arch> index: the number of
// stanzas in each of its chunks. Chunk i is the stored file chunkPath(key, i)
// (a file, so later calls may read its blob).
type indexState struct {
	Counts []int `json:"counts"`
}

func chunkPath(key string, i int) string { return fmt.Sprintf("_index/%s/%06d", key, i) }

func chunkFile(h sdk.Host, key string, i int) (*sdk.File, error) {
	f, err := h.GetFile(chunkPath(key, i))
	if err == nil && f == nil {
		err = fmt.Errorf("debian: index chunk %s is missing", chunkPath(key, i))
	}
	return f, err
}

// fileSum describes one index file in Release.
type fileSum struct {
	Size   uint64 `json:"size"`
	MD5    string `json:"md5"`
	SHA1   string `json:"sha1"`
	SHA256 string `json:"sha256"`
	SHA512 string `json:"sha512"`
}

// releaseState is the kv value of one dist: its index files by path
// relative to dists/<dist>/.
type releaseState struct {
	Files map[string]fileSum `json:"files"`
}

func getJSON(h sdk.Host, ns, key string, v any) error {
	b, ok, err := h.KVGet(ns, key)
	if err != nil || !ok {
		return err
	}
	return json.Unmarshal(b, v)
}

func putJSON(h sdk.Host, ns, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return h.KVPut(ns, key, b)
}

// readAll reads a whole blob of known size.
func readAll(h sdk.Host, digest string, size uint64) ([]byte, error) {
	out := make([]byte, 0, size)
	for uint64(len(out)) < size {
		b, err := h.ReadBlob(digest, uint64(len(out)), uint32(min(size-uint64(len(out)), 4<<20)))
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			return nil, fmt.Errorf("debian: chunk %s is short", digest)
		}
		out = append(out, b...)
	}
	return out, nil
}

// addToIndex appends st to the index of pk's architecture and refreshes the
// Packages files and the dist's Release.
func addToIndex(h sdk.Host, t target, pk *pkg, st []byte) error {
	key := t.dist + "/" + t.component + "/" + pk.arch
	var ix indexState
	if err := getJSON(h, nsIndex, key, &ix); err != nil {
		return err
	}
	n := len(ix.Counts)
	if n > 0 && ix.Counts[n-1] < chunkStanzas {
		last, err := chunkFile(h, key, n-1)
		if err != nil {
			return err
		}
		if last.Size+uint64(len(st)) <= maxChunk {
			old, err := readAll(h, last.BlobDigest, last.Size)
			if err != nil {
				return err
			}
			st = append(old, st...)
			ix.Counts[n-1]++
			n--
		}
	}
	if n == len(ix.Counts) {
		ix.Counts = append(ix.Counts, 1)
	}
	d, err := h.PutBlob(st)
	if err != nil {
		return err
	}
	if err := h.StageFile(sdk.StagedFile{Path: chunkPath(key, n), BlobDigest: d, ContentType: "text/plain; charset=utf-8", Overwrite: true}); err != nil {
		return err
	}
	// The chunk's own gzip member: Packages.gz is the concatenation of the
	// members (RFC 1952 §2.2 allows several; APT reads them all).
	gz, err := sdk.Compress(h, sdk.Gzip, sdk.Source{Blob: d})
	if err != nil {
		return err
	}
	if err := h.StageFile(sdk.StagedFile{Path: chunkPath(key, n) + ".gz", BlobDigest: gz.Digest, ContentType: "application/gzip", Overwrite: true}); err != nil {
		return err
	}
	if err := putJSON(h, nsIndex, key, &ix); err != nil {
		return err
	}
	parts := make([]sdk.BlobRange, len(ix.Counts))
	gzParts := make([]sdk.BlobRange, len(ix.Counts))
	for i := range ix.Counts {
		if i == n {
			parts[i] = sdk.BlobRange{Digest: d, Length: uint64(len(st))}
			gzParts[i] = sdk.BlobRange{Digest: gz.Digest, Length: gz.Size}
			continue
		}
		for _, c := range []struct {
			suffix string
			to     *sdk.BlobRange
		}{{"", &parts[i]}, {".gz", &gzParts[i]}} {
			f, err := h.GetFile(chunkPath(key, i) + c.suffix)
			if err == nil && f == nil {
				err = fmt.Errorf("debian: index chunk %s%s is missing", chunkPath(key, i), c.suffix)
			}
			if err != nil {
				return err
			}
			*c.to = sdk.BlobRange{Digest: f.BlobDigest, Length: f.Size}
		}
	}
	plain, err := sdk.ConcatRanges(h, parts)
	if err != nil {
		return err
	}
	packagesGz, err := sdk.ConcatRanges(h, gzParts)
	if err != nil {
		return err
	}
	var rel releaseState
	if err := getJSON(h, nsRelease, t.dist, &rel); err != nil {
		return err
	}
	if rel.Files == nil {
		rel.Files = map[string]fileSum{}
	}
	dir := t.component + "/binary-" + pk.arch + "/"
	files := map[string]sdk.Body{"Packages": plain, "Packages.gz": packagesGz}
	base := "dists/" + t.dist + "/" + dir
	if plain.Size <= maxXZ {
		xz, err := sdk.Compress(h, sdk.XZ, sdk.Source{Blob: plain.Digest})
		if err != nil {
			return err
		}
		files["Packages.xz"] = xz
	} else if _, ok := rel.Files[dir+"Packages.xz"]; ok {
		// Too large to recompress per upload (APT reads only the first of
		// concatenated xz streams): clients use Packages.gz.
		delete(rel.Files, dir+"Packages.xz")
		if err := h.StageDelete(base + "Packages.xz"); err != nil {
			return err
		}
	}
	for name, b := range files {
		rel.Files[dir+name] = fileSum{Size: b.Size, MD5: b.MD5, SHA1: b.SHA1, SHA256: b.Digest, SHA512: b.SHA512}
		for _, p := range []string{base + name, base + "by-hash/SHA256/" + b.Digest, base + "by-hash/SHA512/" + b.SHA512} {
			if err := h.StageFile(sdk.StagedFile{Path: p, BlobDigest: b.Digest, ContentType: contentType(name), Overwrite: true}); err != nil {
				return err
			}
		}
	}
	if err := putJSON(h, nsRelease, t.dist, &rel); err != nil {
		return err
	}
	return publishRelease(h, t.dist, &rel, time.Now().UTC())
}

func contentType(name string) string {
	switch {
	case strings.HasSuffix(name, ".gz"):
		return "application/gzip"
	case strings.HasSuffix(name, ".xz"):
		return "application/x-xz"
	}
	return "text/plain; charset=utf-8"
}

// renderRelease renders a dist's Release file; byHash announces the by-hash
// copies of its indexes.
func renderRelease(dist string, rel *releaseState, now time.Time, byHash bool) []byte {
	paths := make([]string, 0, len(rel.Files))
	comps, archs := map[string]bool{}, map[string]bool{}
	for p := range rel.Files {
		paths = append(paths, p)
		comp, rest, _ := strings.Cut(p, "/")
		comps[comp] = true
		archs[strings.TrimPrefix(strings.SplitN(rest, "/", 2)[0], "binary-")] = true
	}
	sort.Strings(paths)
	var b strings.Builder
	fmt.Fprintf(&b, "Origin: Keeper\nLabel: Keeper\nSuite: %s\nCodename: %s\nDate: %s\n", dist, dist, now.Format(time.RFC1123))
	fmt.Fprintf(&b, "Architectures: %s\nComponents: %s\nDescription: Keeper APT repository\n",
		strings.Join(sorted(archs), " "), strings.Join(sorted(comps), " "))
	if byHash {
		b.WriteString("Acquire-By-Hash: yes\n")
	}
	for _, sec := range []struct {
		name string
		sum  func(fileSum) string
	}{{"MD5Sum", func(f fileSum) string { return f.MD5 }}, {"SHA1", func(f fileSum) string { return f.SHA1 }},
		{"SHA256", func(f fileSum) string { return f.SHA256 }}, {"SHA512", func(f fileSum) string { return f.SHA512 }}} {
		b.WriteString(sec.name + ":\n")
		for _, p := range paths {
			f := rel.Files[p]
			fmt.Fprintf(&b, " %s %16d %s\n", sec.sum(f), f.Size, p)
		}
	}
	return []byte(b.String())
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// publishRelease stages Release and, when the repository has a signing key,
// InRelease and Release.gpg signed by the host.
func publishRelease(h sdk.Host, dist string, rel *releaseState, now time.Time) error {
	text := renderRelease(dist, rel, now, true)
	base := "dists/" + dist + "/"
	d, err := h.PutBlob(text)
	if err != nil {
		return err
	}
	if err := h.StageFile(sdk.StagedFile{Path: base + "Release", BlobDigest: d, ContentType: "text/plain; charset=utf-8", Overwrite: true}); err != nil {
		return err
	}
	for _, s := range []struct {
		path string
		form sdk.SignForm
	}{{base + "InRelease", sdk.SignPGPClear}, {base + "Release.gpg", sdk.SignPGPDetachedArmored}} {
		sig, err := sdk.Sign(h, s.form, sdk.Source{Bytes: text})
		if err != nil && err.Error() == errNoKey.Error() {
			// Unsigned: drop signatures of an earlier key so clients do not
			// see a stale signature over a new Release.
			if f, gerr := h.GetFile(s.path); gerr == nil && f != nil {
				if err := h.StageDelete(s.path); err != nil {
					return err
				}
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("debian: sign %s: %w", s.path, err)
		}
		sd, err := h.PutBlob(sig)
		if err != nil {
			return err
		}
		ct := "text/plain; charset=utf-8"
		if s.form == sdk.SignPGPDetachedArmored {
			ct = "application/pgp-signature"
		}
		if err := h.StageFile(sdk.StagedFile{Path: s.path, BlobDigest: sd, ContentType: ct, Overwrite: true}); err != nil {
			return err
		}
	}
	return nil
}
