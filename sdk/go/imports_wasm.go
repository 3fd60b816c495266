//go:build wasip1

package sdk

import (
	"unsafe"

	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// wasmHost implements Host and the optional host interfaces over the
// generated import wrappers (host<Name> in glue_gen_wasm.go), turning WIT
// shapes (option, source) into the SDK's Go signatures.
type wasmHost struct{}

var (
	_ LoginHost    = wasmHost{}
	_ BlobHost     = wasmHost{}
	_ TokenHost    = wasmHost{}
	_ RangeHost    = wasmHost{}
	_ SignHost     = wasmHost{}
	_ CompressHost = wasmHost{}
	_ RepoHost     = wasmHost{}
	_ JSONHost     = wasmHost{}
)

// retArea is a heap return area (heap objects never move during a call).
type retArea [16]uint64

func newRet() (*retArea, uint32) {
	r := new(retArea)
	return r, uint32(uintptr(unsafe.Pointer(r)))
}

func done(mark int) { clear(pins[mark:]); pins = pins[:mark] }

func source(s Source) wSource {
	if s.Assembled != "" {
		return wSource{Tag: wSourceAssembled, Assembled: s.Assembled}
	}
	if s.Blob != "" {
		return wSource{Tag: wSourceBlob, Blob: s.Blob}
	}
	return wSource{Tag: wSourceBytes, Bytes: s.Bytes}
}

func (wasmHost) ReadBlob(digest string, off uint64, n uint32) ([]byte, error) {
	return hostReadBlob(digest, off, n)
}

func (wasmHost) ArchiveList(digest string, kind ArchiveKind, maxEntries uint32) ([]ArchiveEntry, error) {
	return hostArchiveList(digest, kind, maxEntries)
}

func (wasmHost) ArchiveRead(digest string, kind ArchiveKind, name string, maxBytes uint64) ([]byte, error) {
	return hostArchiveRead(digest, kind, name, maxBytes)
}

func (wasmHost) Gunzip(src Source, maxBytes uint64) ([]byte, error) {
	return hostGunzip(source(src), maxBytes)
}

func (wasmHost) Hash(alg HashAlg, src Source) (string, error) { return hostHash(alg, source(src)) }

func (wasmHost) GetFile(path string) (*File, error) { return hostGetFile(path) }

func (wasmHost) ListFiles(prefix, after string, limit uint32, pkg string) ([]File, error) {
	return hostListFiles(prefix, after, limit, pkg)
}

func (wasmHost) ListPackages(prefix, after string, limit uint32) ([]PackageInfo, error) {
	return hostListPackages(prefix, after, limit)
}

func (wasmHost) ListVersions(pkg, after string, limit uint32) ([]VersionInfo, error) {
	return hostListVersions(pkg, after, limit)
}

func (wasmHost) KVGet(ns, key string) ([]byte, bool, error) {
	v, err := hostKVGet(ns, key)
	if err != nil || v == nil {
		return nil, false, err
	}
	return *v, true, nil
}

func (wasmHost) KVPut(ns, key string, value []byte) error { return hostKVPut(ns, key, value) }

func (wasmHost) KVDelete(ns, key string) error { return hostKVDelete(ns, key) }

func (wasmHost) KVList(ns, prefix, after string, limit uint32) ([]KVEntry, error) {
	return hostKVList(ns, prefix, after, limit)
}

func (wasmHost) PutBlob(data []byte) (string, error) { return hostPutBlob(data) }

func (wasmHost) StageFile(f StagedFile) error { return hostStageFile(f) }

func (wasmHost) StageDelete(path string) error { return hostStageDelete(path) }

func (wasmHost) StageVersion(v VersionPut) error { return hostStageVersion(v) }

func (wasmHost) Repo() *RepoContext { return hostRepo() }

func (wasmHost) Log(level LogLevel, msg string) { hostLog(level, msg) }

func (wasmHost) Login(username, password string) (string, error) {
	return hostLogin(username, password)
}

func (wasmHost) ConcatBlobs(digests []string) (Body, error) { return hostConcatBlobs(digests) }

func (wasmHost) SessionToken(ttlSeconds uint32, offline bool) (string, error) {
	return hostSessionToken(ttlSeconds, offline)
}

func (wasmHost) MountBlob(fromRepo, fromPath, toPath, contentType string) error {
	return hostMountBlob(fromRepo, fromPath, toPath, contentType)
}

func (wasmHost) ListRepos(after string, limit uint32) ([]string, error) {
	return hostListRepos(after, limit)
}

func (wasmHost) ListRepoPackages(repo, prefix, after string, limit uint32) ([]PackageInfo, error) {
	return hostListRepoPackages(repo, prefix, after, limit)
}

func (wasmHost) ConcatRanges(parts []BlobRange) (Body, error) { return hostConcatRanges(parts) }

func (wasmHost) DecodeBase64(br BlobRange) (Body, error) {
	return hostDecodeBase64(br.Digest, br.Offset, br.Length)
}

func (wasmHost) IndexBytes(digest string, off uint64, pattern []byte) (uint64, bool, error) {
	at, err := hostIndexBytes(digest, off, pattern)
	if err != nil || at == nil {
		return 0, false, err
	}
	return *at, true, nil
}

func (wasmHost) Sign(form SignForm, src Source) ([]byte, error) {
	return hostSign(wSignForm(form), source(src))
}

func (wasmHost) PublicKey(form KeyForm) (SigningKey, error) {
	k, err := hostPublicKey(wKeyForm(form))
	return SigningKey(k), err
}

func (wasmHost) Compress(alg Compression, src Source) (Body, error) {
	return hostCompress(wCompression(alg), source(src))
}

func (wasmHost) Decompress(alg Compression, src Source, maxBytes uint64) ([]byte, error) {
	return hostDecompress(wCompression(alg), source(src), maxBytes)
}

func (wasmHost) JSONMembers(docs [][]byte, keys []string, form MemberForm) (hostjson.Members, error) {
	m, err := hostJsonMembers(docs, keys, wMemberForm(form))
	return hostjson.Members(m), err
}

func (wasmHost) Assemble(t Template) (Assembled, error) {
	a, err := hostAssemble(toWTemplate(t))
	return Assembled{Handle: a.Handle, Size: a.Size, Rows: a.Rows, Irregular: a.Irregular, Text: a.Text}, err
}

func toWTemplate(t Template) wTemplate {
	out := wTemplate{Loops: make([]wTemplateLoop, len(t.Loops)), Parts: make([]wTemplatePart, len(t.Parts)), ReturnText: t.ReturnText}
	for i, p := range t.Parts {
		out.Parts[i] = wTemplatePart{Kind: wPartKind(p.Kind), Text: p.Text, Loop: p.Loop, Form: wFieldForm(p.Form)}
	}
	for i, l := range t.Loops {
		wl := wTemplateLoop{Source: wRowSource(l.Source), Package: l.Package, Prefix: l.Prefix, Version: l.Version,
			Limit: l.Limit, Separator: l.Separator, Members: l.Members, MemberForm: wMemberForm(l.MemberForm),
			Items: make([]wTemplateItem, len(l.Items)), Sort: wSortOrder(l.Sort), SortMember: l.SortMember,
			Offset: l.Offset, Count: l.Count}
		for _, r := range l.Replace {
			wl.Replace = append(wl.Replace, wTupleBytesBytes{F0: r.Pattern, F1: r.With})
		}
		for _, o := range l.Order {
			wl.Order = append(wl.Order, wOrderedRow{Key: o.Key, Texts: o.Texts})
		}
		for _, c := range l.Skip {
			wl.Skip = append(wl.Skip, wCondition{Test: wMemberTest(c.Test), Member: c.Member, Names: c.Names})
		}
		for j, it := range l.Items {
			wi := wTemplateItem{Kind: wItemKind(it.Kind), Text: it.Text, Field: wRowField(it.Field), Form: wFieldForm(it.Form),
				Member: it.Member, Names: it.Names}
			for _, c := range it.When {
				wi.When = append(wi.When, wCondition{Test: wMemberTest(c.Test), Member: c.Member, Names: c.Names})
			}
			wl.Items[j] = wi
		}
		out.Loops[i] = wl
	}
	return out
}
