package rubygems

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"gopkg.in/yaml.v3"
)

// Push and yank: https://guides.rubygems.org/rubygems-org-api/#gem-methods
// A .gem is a POSIX tar of metadata.gz (the gemspec YAML), data.tar.gz
// (the files) and checksums.yaml.gz (their SHA256/SHA512), maybe with
// signatures (*.sig): https://guides.rubygems.org/gems-with-extensions/ and
// https://github.com/rubygems/rubygems/blob/v3.3.15/lib/rubygems/package.rb

// record is what a version keeps (the version metadata): what the indexes
// render, so no request re-reads a .gem.
type record struct {
	pieces                  // first: their kind is a prefix of the stored metadata
	Name             string `json:"name"`
	Version          string `json:"version"`
	Platform         string `json:"platform"`
	Deps             []Dep  `json:"deps,omitempty"` // runtime only
	RequiredRuby     []Req  `json:"ruby,omitempty"`
	RequiredRubygems []Req  `json:"rubygems,omitempty"`
	SHA256           string `json:"sha256"`
	Yanked           bool   `json:"yanked,omitempty"`
}

// tarEntry is an entry of the outer .gem tar: where its bytes are.
type tarEntry struct {
	name      string
	off, size uint64
}

func push(h sdk.Host, req *sdk.Request) (*sdk.Response, error) { return pushGem(h, req, "") }

// pushGem stores the .gem in the body; wantFile, when set, is the file
// name the gem must have (a deploy by path).
func pushGem(h sdk.Host, req *sdk.Request, wantFile string) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 {
		return plain(400, "the request has no .gem\n"), nil
	}
	if max := configLimit(req.Repo, "max_gem_bytes", defaultMaxGem); req.Body.Size > max {
		return plain(413, fmt.Sprintf("the .gem has %d bytes, more than the limit of %d bytes\n", req.Body.Size, max)), nil
	}
	entries, msg, err := readTar(h, req.Body.Digest, req.Body.Size)
	if err != nil {
		return nil, err
	}
	if msg != "" {
		return plain(400, "the .gem is not a valid gem: "+msg+"\n"), nil
	}
	metaGz, dataGz, sumsGz := entries["metadata.gz"], entries["data.tar.gz"], entries["checksums.yaml.gz"]
	if metaGz == nil || dataGz == nil {
		return plain(400, "the .gem is not a valid gem: it lacks metadata.gz or data.tar.gz\n"), nil
	}
	if metaGz.size > maxMetaGz {
		return plain(400, fmt.Sprintf("the .gem's metadata.gz is larger than %d bytes\n", maxMetaGz)), nil
	}
	metaRaw, err := h.ReadBlob(req.Body.Digest, metaGz.off, uint32(metaGz.size))
	if err != nil {
		return nil, err
	}
	yml, err := h.Gunzip(sdk.Source{Bytes: metaRaw}, maxMetaYAML)
	if err != nil {
		return plain(400, "the .gem's metadata.gz is not gzip within "+strconv.Itoa(maxMetaYAML)+" bytes: "+err.Error()+"\n"), nil
	}
	spec, err := ParseSpec(yml)
	if err != nil {
		return plain(400, "the .gem's gemspec is invalid: "+err.Error()+"\n"), nil
	}
	data, err := sdk.ConcatRanges(h, []sdk.BlobRange{{Digest: req.Body.Digest, Offset: dataGz.off, Length: dataGz.size}})
	if err != nil {
		return nil, err
	}
	if msg := checkData(h, data.Digest, configLimit(req.Repo, "max_unpacked_bytes", defaultMaxUnpacked)); msg != "" {
		return plain(400, "the .gem's data.tar.gz "+msg+"\n"), nil
	}
	if sumsGz != nil {
		msg, err := checkSums(h, req.Body.Digest, sumsGz, metaRaw, data.Digest)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			return plain(400, "the .gem's checksums.yaml.gz "+msg+"\n"), nil
		}
	}

	full := spec.FullName()
	if wantFile != "" && wantFile != full+".gem" {
		return plain(400, "the .gem is "+full+", not "+strings.TrimSuffix(wantFile, ".gem")+" as its path says\n"), nil
	}
	if f, err := h.GetFile(gemPath(full)); err != nil {
		return nil, err
	} else if f != nil {
		return plain(409, "Repushing of gem versions is not allowed. "+full+" already exists (yanked versions included).\n"), nil
	}
	quick, err := deflate(QuickSpec(spec))
	if err != nil {
		return nil, err
	}
	quickDigest, err := h.PutBlob(quick)
	if err != nil {
		return nil, err
	}
	sum, err := h.Hash(sdk.SHA256, sdk.Source{Blob: req.Body.Digest})
	if err != nil {
		return nil, err
	}
	rec := record{Name: spec.Name, Version: spec.Version, Platform: spec.Platform, SHA256: sum,
		RequiredRuby: spec.RequiredRuby, RequiredRubygems: spec.RequiredRubygems}
	for _, d := range spec.Deps {
		if d.Type == "runtime" {
			rec.Deps = append(rec.Deps, d)
		}
	}
	meta := encodeRecord(&rec)
	key := spec.VersionKey()
	if err := h.StageFile(sdk.StagedFile{Path: gemPath(full), BlobDigest: req.Body.Digest,
		ContentType: "application/octet-stream", Package: spec.Name, Version: key}); err != nil {
		return nil, err
	}
	if err := h.StageFile(sdk.StagedFile{Path: quickPath(full), BlobDigest: quickDigest,
		ContentType: "application/octet-stream", Package: spec.Name, Version: key}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: spec.Name, Version: key, Metadata: meta}); err != nil {
		return nil, err
	}
	return plain(200, "Successfully registered gem: "+spec.Name+" ("+key+")"), nil
}

func gemPath(full string) string   { return "gems/" + full + ".gem" }
func quickPath(full string) string { return "quick/Marshal.4.8/" + full + ".gemspec.rz" }

// readTar walks the headers of the outer tar through ReadBlob (the bytes
// stay in the host); msg says what is wrong with a malformed one.
// https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_06
func readTar(h sdk.Host, digest string, size uint64) (map[string]*tarEntry, string, error) {
	out := map[string]*tarEntry{}
	var off uint64
	for n := 0; ; n++ {
		if off+512 > size {
			return nil, "the tar is truncated", nil
		}
		hdr, err := h.ReadBlob(digest, off, 512)
		if err != nil {
			return nil, "", err
		}
		if len(hdr) != 512 {
			return nil, "the tar is truncated", nil
		}
		if bytes.Count(hdr, []byte{0}) == 512 {
			break // end of archive
		}
		if n >= maxGemEntries {
			return nil, fmt.Sprintf("it has more than %d entries", maxGemEntries), nil
		}
		if !tarChecksumOK(hdr) {
			return nil, "a tar header has a wrong checksum (not a tar archive)", nil
		}
		name := cstr(hdr[0:100])
		if string(hdr[257:262]) == "ustar" {
			if prefix := cstr(hdr[345:500]); prefix != "" {
				name = prefix + "/" + name
			}
		}
		sz, err := strconv.ParseUint(strings.TrimSpace(cstr(hdr[124:136])), 8, 64)
		if err != nil {
			return nil, "a tar header has an invalid size", nil
		}
		typ := hdr[156]
		off += 512
		if off+sz > size {
			return nil, "the tar is truncated inside " + strconv.Quote(name), nil
		}
		switch {
		case typ != '0' && typ != 0:
			return nil, fmt.Sprintf("the entry %q is not a regular file", name), nil
		case name == "metadata.gz" || name == "data.tar.gz" || name == "checksums.yaml.gz" || strings.HasSuffix(name, ".sig") && !strings.ContainsAny(name, "/\\"):
		default:
			return nil, fmt.Sprintf("unexpected entry %q (a gem holds metadata.gz, data.tar.gz, checksums.yaml.gz and signatures)", name), nil
		}
		if out[name] != nil {
			return nil, fmt.Sprintf("the entry %q appears twice", name), nil
		}
		out[name] = &tarEntry{name: name, off: off, size: sz}
		off += (sz + 511) &^ 511
	}
	return out, "", nil
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// tarChecksumOK checks the header checksum (sum of the bytes with the
// checksum field as spaces).
func tarChecksumOK(hdr []byte) bool {
	want, err := strconv.ParseUint(strings.TrimSpace(cstr(hdr[148:156])), 8, 64)
	if err != nil {
		return false
	}
	var sum uint64
	for i, c := range hdr {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += uint64(c)
	}
	return sum == want
}

// checkData lists data.tar.gz through the host (which bounds the
// decompressed bytes) and refuses absolute or '..' names and too much content.
func checkData(h sdk.Host, digest string, maxUnpacked uint64) string {
	entries, err := h.ArchiveList(digest, sdk.ArchiveTarGz, maxDataEntries)
	if err != nil {
		return "is not a readable gzip-compressed tar within the limits: " + err.Error()
	}
	var total uint64
	for _, e := range entries {
		if strings.HasPrefix(e.Name, "/") || strings.Contains(e.Name, "\\") {
			return fmt.Sprintf("has an absolute entry name %q", e.Name)
		}
		for _, seg := range strings.Split(e.Name, "/") {
			if seg == ".." {
				return fmt.Sprintf("has an entry %q with a '..' segment", e.Name)
			}
		}
		total += e.Size
		if total > maxUnpacked {
			return fmt.Sprintf("unpacks to more than %d bytes", maxUnpacked)
		}
	}
	return ""
}

// checkSums compares checksums.yaml.gz's SHA256 of metadata.gz and
// data.tar.gz with the entries: a gem whose metadata was altered after it
// was built is refused.
func checkSums(h sdk.Host, body string, e *tarEntry, metaGz []byte, dataDigest string) (string, error) {
	if e.size > maxChecksumsGz {
		return "is too large", nil
	}
	raw, err := h.ReadBlob(body, e.off, uint32(e.size))
	if err != nil {
		return "", err
	}
	yml, err := h.Gunzip(sdk.Source{Bytes: raw}, maxChecksumsGz)
	if err != nil {
		return "is not gzip within the limits", nil
	}
	var sums map[string]map[string]string
	if err := yaml.Unmarshal(yml, &sums); err != nil {
		return "is not valid YAML", nil
	}
	want := sums["SHA256"]
	if want == nil {
		return "", nil // older gems carry only SHA1/SHA512; nothing to compare cheaply
	}
	got, err := h.Hash(sdk.SHA256, sdk.Source{Bytes: metaGz})
	if err != nil {
		return "", err
	}
	if w, ok := want["metadata.gz"]; ok && w != got {
		return "does not match metadata.gz: the metadata was altered after the gem was built", nil
	}
	got, err = h.Hash(sdk.SHA256, sdk.Source{Blob: dataDigest})
	if err != nil {
		return "", err
	}
	if w, ok := want["data.tar.gz"]; ok && w != got {
		return "does not match data.tar.gz: the files were altered after the gem was built", nil
	}
	return "", nil
}

func deflate(b []byte) ([]byte, error) {
	var out bytes.Buffer
	w := zlib.NewWriter(&out)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// yank marks a version yanked: it leaves every index, its files stay (so a
// re-push of the same version stays refused).
func yank(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	form, err := url.ParseQuery(req.RawQuery)
	if err != nil {
		return plain(400, "the query is not valid form data\n"), nil
	}
	if req.Body != nil && req.Body.Size > 0 {
		if req.Body.Size > 4096 {
			return plain(400, "the yank form is larger than 4096 bytes\n"), nil
		}
		raw, err := h.ReadBlob(req.Body.Digest, 0, uint32(req.Body.Size))
		if err != nil {
			return nil, err
		}
		body, err := url.ParseQuery(string(raw))
		if err != nil {
			return plain(400, "the yank form is not valid form data\n"), nil
		}
		for k, v := range body {
			form[k] = v
		}
	}
	name, vers, plat := form.Get("gem_name"), form.Get("version"), form.Get("platform")
	if name == "" || vers == "" {
		return plain(400, "gem_name and version are required\n"), nil
	}
	key := vers
	if plat != "" && plat != "ruby" {
		key += "-" + plat
	}
	rec, err := getRecord(h, name, key)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return plain(404, "The version "+key+" of "+name+" does not exist.\n"), nil
	}
	if rec.Yanked {
		return plain(422, "The version "+key+" of "+name+" has already been yanked.\n"), nil
	}
	rec.Yanked = true
	meta := encodeRecord(rec)
	if err := h.StageVersion(sdk.VersionPut{Package: name, Version: key, Metadata: meta}); err != nil {
		return nil, err
	}
	return plain(200, "Successfully deleted gem: "+name+" ("+key+")"), nil
}
