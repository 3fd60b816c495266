package conan

import (
	"encoding/json"
	"errors"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Size limits of the files the plugin reads (archives are only listed, by
// the host, within its own scan budget).
const (
	maxManifest  = 1 << 20 // conanmanifest.txt: one line per exported or packaged file
	maxConanInfo = 64 << 10
	maxConanfile = 4 << 20
	maxEntriesTG = 200000 // entries of one .tgz
)

const (
	manifestName  = "conanmanifest.txt"
	conanfileName = "conanfile.py"
	conaninfoName = "conaninfo.txt"
	packageTgz    = "conan_package.tgz"
)

// upload stores one file of a revision (PUT …/files/PATH, as FileUploader in
// conans/client/rest/file_uploader.py sends it, with X-Checksum-Sha1). The
// revision is recorded when its conanmanifest.txt arrives; a complete
// revision is never changed (409).
func (r route) upload(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Body == nil {
		return conanError(400, "empty upload of "+clip(r.file)), nil
	}
	if want := req.Header("X-Checksum-Sha1"); want != "" && !strings.EqualFold(want, req.Body.SHA1) {
		return conanError(400, "X-Checksum-Sha1 "+clip(want)+" does not match the uploaded "+r.file+" (sha1 "+req.Body.SHA1+")"), nil
	}
	vs, err := versions(h, r.ref)
	if err != nil {
		return nil, err
	}
	if r.prev != "" && !has(vs, r.rrev) {
		return recipeNotFound(r.ref, r.rrev), nil
	}
	if has(vs, r.versionKey()) {
		what := "recipe revision " + r.ref.String() + "#" + r.rrev
		if r.prev != "" {
			what = "package revision " + r.ref.String() + "#" + r.versionKey()
		}
		return conanError(409, what+" already exists; a revision is immutable"), nil
	}
	if resp, err := r.check(h, req.Body); resp != nil || err != nil {
		return resp, err
	}
	if r.file != manifestName {
		// A file of an incomplete revision belongs to no version yet (the
		// host would record one), and may be sent again (a retried upload).
		if err := h.StageFile(sdk.StagedFile{Path: r.filesPath() + r.file, BlobDigest: req.Body.Digest,
			ContentType: contentType(r.file), Overwrite: true}); err != nil {
			return nil, err
		}
		return &sdk.Response{Status: 201, Kind: sdk.BodyBytes}, nil
	}
	meta, resp, err := r.completes(h, req.Body)
	if resp != nil || err != nil {
		return resp, err
	}
	// The manifest completes the revision: its files join the version.
	newest := int64(-1)
	err = sdk.EachFile(h, r.filesPath(), "", maxEntries, func(f sdk.File) error {
		newest = max(newest, f.CreatedMs)
		return h.StageFile(sdk.StagedFile{Path: f.Path, BlobDigest: f.BlobDigest, ContentType: f.ContentType,
			Package: r.ref.String(), Version: r.versionKey(), Overwrite: true})
	})
	if err != nil {
		return nil, err
	}
	if r.prev == "" {
		meta = recipeMeta(r.rrev, newest)
	}
	if err := h.StageFile(sdk.StagedFile{Path: r.filesPath() + r.file, BlobDigest: req.Body.Digest,
		ContentType: contentType(r.file), Package: r.ref.String(), Version: r.versionKey(), Overwrite: true}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: r.ref.String(), Version: r.versionKey(), Metadata: meta}); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes}, nil
}

func contentType(name string) string {
	switch {
	case strings.HasSuffix(name, ".tgz"):
		return "application/gzip"
	case strings.HasSuffix(name, ".py"):
		return "text/x-python"
	case strings.HasSuffix(name, ".txt"):
		return "text/plain"
	}
	return "application/octet-stream"
}

// check refuses a file that is not what its name says: a .tgz that is no
// gzip-compressed tar or holds names escaping its folder, text files over
// their size limit, a conanfile.py declaring another name or version.
func (r route) check(h sdk.Host, body *sdk.Body) (*sdk.Response, error) {
	name := r.file[strings.LastIndex(r.file, "/")+1:]
	switch {
	case strings.HasSuffix(name, ".tgz"):
		ents, err := h.ArchiveList(body.Digest, sdk.ArchiveTarGz, maxEntriesTG)
		if err != nil {
			return conanError(400, name+" is not a readable gzip-compressed tar: "+err.Error()), nil
		}
		for _, e := range ents {
			if bad := unsafeEntry(e.Name); bad != "" {
				return conanError(400, name+" holds "+clip(e.Name)+": "+bad), nil
			}
		}
	case name == manifestName && body.Size > maxManifest:
		return conanError(400, "conanmanifest.txt is larger than 1 MiB"), nil
	case name == conaninfoName && body.Size > maxConanInfo:
		return conanError(400, "conaninfo.txt is larger than 64 KiB"), nil
	case name == conanfileName && r.prev == "":
		if body.Size > maxConanfile {
			return conanError(400, "conanfile.py is larger than 4 MiB"), nil
		}
		src, err := h.ReadBlob(body.Digest, 0, uint32(body.Size))
		if err != nil {
			return nil, err
		}
		for attr, want := range map[string]string{"name": r.ref.name, "version": r.ref.version} {
			if got, ok := declared(string(src), attr); ok && got != want {
				return conanError(400, "conanfile.py declares "+attr+" "+clip(got)+", not "+want+" of the reference "+r.ref.String()), nil
			}
		}
	}
	return nil, nil
}

// unsafeEntry says why an archive entry name could escape the folder it is
// unpacked into ("" when it cannot).
func unsafeEntry(name string) string {
	n := strings.ReplaceAll(name, "\\", "/")
	switch {
	case strings.HasPrefix(n, "/"):
		return "an absolute path"
	case len(n) > 1 && n[1] == ':':
		return "a drive path"
	}
	for _, s := range strings.Split(n, "/") {
		if s == ".." {
			return "a path with .."
		}
	}
	return ""
}

// declared finds a class attribute assigned a plain string literal
// (`    name = "zlib"`); computed values are not checked.
func declared(src, attr string) (string, bool) {
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimLeft(line, " \t")
		if len(t) == len(line) { // module level, not a class attribute
			continue
		}
		rest, ok := strings.CutPrefix(t, attr)
		if !ok {
			continue
		}
		rest = strings.TrimLeft(rest, " \t")
		rest, ok = strings.CutPrefix(rest, "=")
		if !ok || strings.HasPrefix(rest, "=") {
			continue
		}
		rest = strings.TrimSpace(rest)
		if len(rest) < 2 || (rest[0] != '"' && rest[0] != '\'') {
			continue
		}
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			continue
		}
		return rest[1 : 1+end], true
	}
	return "", false
}

// completes checks the manifest against the files uploaded before it (the
// client sends them in name order, the manifest last): it must parse, and
// the conanfile.py (recipe) or conaninfo.txt (package) it lists must be the
// one uploaded. It returns the version's metadata.
func (r route) completes(h sdk.Host, body *sdk.Body) ([]byte, *sdk.Response, error) {
	text, err := h.ReadBlob(body.Digest, 0, uint32(body.Size))
	if err != nil {
		return nil, nil, err
	}
	sums, err := parseManifest(string(text))
	if err != nil {
		return nil, conanError(400, "conanmanifest.txt: "+err.Error()), nil
	}
	key := conanfileName
	if r.prev != "" {
		key = conaninfoName
		if f, err := h.GetFile(r.filesPath() + packageTgz); err != nil || f == nil {
			return nil, conanError(400, "upload "+packageTgz+" before "+manifestName), err
		}
	}
	want, ok := sums[key]
	if !ok {
		return nil, conanError(400, "conanmanifest.txt does not list "+key), nil
	}
	f, err := h.GetFile(r.filesPath() + key)
	if err != nil {
		return nil, nil, err
	}
	if f == nil {
		return nil, conanError(400, "upload "+key+" before "+manifestName), nil
	}
	got, err := h.Hash(sdk.MD5, sdk.Source{Blob: f.BlobDigest})
	if err != nil {
		return nil, nil, err
	}
	if !strings.EqualFold(got, want) {
		return nil, conanError(400, "conanmanifest.txt lists "+key+" with md5 "+want+", the uploaded one has md5 "+got), nil
	}
	if r.prev == "" {
		return []byte("{}"), nil, nil
	}
	info, err := h.ReadBlob(f.BlobDigest, 0, maxConanInfo)
	if err != nil {
		return nil, nil, err
	}
	meta, err := json.Marshal(packageMeta{ConanInfo: string(info)})
	return meta, nil, err
}

// parseManifest reads conanmanifest.txt as FileTreeManifest.loads does
// (conans/model/manifest.py): a timestamp line, then "PATH: MD5" lines.
func parseManifest(text string) (map[string]string, error) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if !allDigits(lines[0]) {
		return nil, errors.New("the first line must be the creation time in seconds")
	}
	sums := map[string]string{}
	for i, l := range lines[1:] {
		if l == "" {
			continue
		}
		at := strings.LastIndex(l, ": ")
		if at <= 0 || !isMD5(l[at+2:]) {
			return nil, errors.New("line " + itoa(i+2) + " is not PATH: MD5")
		}
		sums[l[:at]] = strings.ToLower(l[at+2:])
	}
	if len(sums) == 0 {
		return nil, errors.New("it lists no file")
	}
	return sums, nil
}

func allDigits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isMD5(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func itoa(n int) string { return string(appendInt(nil, int64(n))) }
