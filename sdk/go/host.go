package sdk

import "errors"

// Host is the set of services the host gives a plugin during one call
// (the `host` interface of the WIT). In a wasm build the SDK passes an
// implementation backed by the imports; native tests pass a fake
// (see package fakehost).
type Host interface {
	// ReadBlob reads up to n bytes at off of a blob or the request body.
	ReadBlob(digest string, off uint64, n uint32) ([]byte, error)
	ArchiveList(digest string, kind ArchiveKind, maxEntries uint32) ([]ArchiveEntry, error)
	ArchiveRead(digest string, kind ArchiveKind, name string, maxBytes uint64) ([]byte, error)
	Gunzip(src Source, maxBytes uint64) ([]byte, error)
	// Hash returns the lower-case hex digest of src.
	Hash(alg HashAlg, src Source) (string, error)
	// GetFile returns nil, nil when the path does not exist.
	GetFile(path string) (*File, error)
	ListFiles(prefix, after string, limit uint32, pkg string) ([]File, error)
	ListPackages(prefix, after string, limit uint32) ([]PackageInfo, error)
	ListVersions(pkg, after string, limit uint32) ([]VersionInfo, error)
	// KVGet reports ok=false when the key does not exist.
	KVGet(ns, key string) (value []byte, ok bool, err error)
	KVPut(ns, key string, value []byte) error
	KVDelete(ns, key string) error
	KVList(ns, prefix, after string, limit uint32) ([]KVEntry, error)
	// PutBlob stores data and returns its sha256 digest.
	PutBlob(data []byte) (string, error)
	StageFile(f StagedFile) error
	StageDelete(path string) error
	StageVersion(v VersionPut) error
	// Repo returns the repository of the call, nil when unbound.
	Repo() *RepoContext
	Log(level LogLevel, msg string)
}

// LoginHost is implemented by hosts that offer the `login` import: it checks
// a username and password and mints an API token for that user. It is kept
// apart from Host so existing Host implementations keep compiling; use Login.
type LoginHost interface {
	Login(username, password string) (token string, err error)
}

// ErrNoLogin is returned by Login when the host offers no login service.
var ErrNoLogin = errors.New("host offers no login service")

// Login calls h's login import, or returns ErrNoLogin when h has none.
func Login(h Host, username, password string) (string, error) {
	lh, ok := h.(LoginHost)
	if !ok {
		return "", ErrNoLogin
	}
	return lh.Login(username, password)
}
