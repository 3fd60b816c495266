package sdk

// ContractVersion is the version of the WIT package this SDK implements.
const ContractVersion = "0.9.0"

// Capability names, as declared in Info.Capabilities.
const (
	CapParseMetadata = "parse-metadata"
	CapValidate      = "validate"
	CapGenerateIndex = "generate-index"
	CapClassify      = "classify"
	CapRewrite       = "rewrite"
	CapMerge         = "merge"
	// CapSHA256Bodies is not an export: a plugin declares it (in
	// Info.Capabilities) when it reads only Body.Digest of the bodies the
	// host hands it. The host then leaves Body.SHA1, MD5 and SHA512 empty
	// rather than computing them on every upload; call Hash for one you need.
	CapSHA256Bodies = "sha256-bodies"
)

// Mount is a URL prefix the plugin claims.
type Mount struct {
	Prefix string
	// Root claims every repository below Prefix, the repository key the
	// first segment of the plugin's names. The host sends a deploy by path
	// (an import) to Prefix+KEY+"/-/deploy/"+path, so a root plugin keeps
	// "-" as the start of no name of its own (docs/import.md).
	Root bool
	// AnonymousPaths are path patterns (escaped path after the repository
	// segment, path.Match syntax) that callers may reach with any method
	// without the host's up-front authorization, e.g. a client's login
	// endpoint. The host caps their body at 64 KiB and commits no writes
	// staged during such a call.
	AnonymousPaths []string
	// ReadPaths (contract 0.6.0) are path patterns of the same syntax whose
	// POST and OPTIONS calls only read (an RPC protocol's queries, a CORS
	// preflight): the host authorizes them as reads, caps their body at
	// 1 MiB and commits no writes staged during such a call.
	ReadPaths []string
}

// Info is what Describe returns.
type Info struct {
	Key             string
	DisplayName     string
	Version         string
	ContractVersion string
	Mounts          []Mount
	Capabilities    []string
	// Credentials are the credential carriers clients use on the mounts;
	// nil means DefaultCredentials.
	Credentials *Credentials
	// Setup are client set-up snippets the host's set-up page serves.
	Setup []SetupSnippet
	// Aliases are further format keys a repository may be created with
	// (e.g. "yarn" for an npm plugin); the host resolves each to Key and
	// refuses to install a plugin whose alias is another plugin's key or
	// alias. Since contract 0.3.0.
	Aliases []string
}

// Credentials declare how clients authenticate on the plugin's mounts. The
// host checks these carriers itself, refuses the ones not declared with 401
// and Challenge, and removes them from the request: a plugin never sees a
// caller's credential, only Request.User.
type Credentials struct {
	// Basic accepts Authorization: Basic with a username and password.
	Basic bool
	// TokenInPassword accepts an API token as the Basic password.
	TokenInPassword bool
	// Bearer accepts Authorization: Bearer <token>, Token <token> and a bare
	// token as the whole Authorization value.
	Bearer bool
	// TokenHeaders are further headers whose whole value is an API token,
	// e.g. a client's own API-key header.
	TokenHeaders []string
	// Challenge is the WWW-Authenticate value of the host's 401 answers on
	// the mounts; "{base-url}" is replaced by the server's URL. "" means
	// `Basic realm="keeper"`.
	Challenge string
}

// DefaultCredentials accept Basic (password or token) and Bearer with a
// Basic challenge: what every plugin got before contract 0.2.0.
var DefaultCredentials = Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// Setup snippet kinds.
const (
	SetupClient  = "client"
	SetupPublish = "publish"
	SetupConsume = "consume"
)

// SetupSnippet is one client set-up text. Text may use the placeholders
// {base-url}, {host}, {repo-url}, {repo}, {user} and {token}, which the host fills.
type SetupSnippet struct {
	// Kind is SetupClient, SetupPublish or SetupConsume.
	Kind string
	// Client names the client, e.g. "npm".
	Client string
	// Target is the file the text goes into ("" for a shell command).
	Target string
	Text   string
}

// Document is a metadata document a rewrite or merge produced, with the
// header fields it is served with (since 0.4.0), e.g. a protocol version
// field its clients require on every answer. The host drops fields it alone
// sets (framing, hop-by-hop, cookies, authentication, CORS, security
// policies, Location, Content-Type, ETag, caching, X-Keeper-*) and keeps at
// most 32 fields of 8 KiB in all.
type Document struct {
	Body    []byte
	Headers []Header
}

// Header is one HTTP header line.
type Header struct {
	Name  string
	Value string
}

// Body is a request body the host has spooled to a blob.
type Body struct {
	Digest string
	Size   uint64
	SHA1   string
	MD5    string
	SHA512 string
}

// KeyValue is one configuration entry.
type KeyValue struct {
	Key   string
	Value string
}

// RepoContext describes the repository a call is bound to.
type RepoContext struct {
	Key         string
	Kind        string
	Format      string
	IsPublic    bool
	BaseURL     string
	UpstreamURL string
	Config      []KeyValue
	Generation  int64
}

// ConfigValue returns the configuration value for key ("" when absent).
func (r *RepoContext) ConfigValue(key string) string {
	if r == nil {
		return ""
	}
	for _, kv := range r.Config {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// Request is the head of an HTTP request.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Headers  []Header
	Body     *Body
	Repo     *RepoContext
	User     string
	BaseURL  string
}

// Header returns the first value of the named header (case-insensitive).
func (r *Request) Header(name string) string {
	for _, h := range r.Headers {
		if equalFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// BodyKind says how a response body is produced.
type BodyKind uint8

// Response body kinds (the response-body variant of the WIT).
const (
	BodyNone BodyKind = iota
	BodyBytes
	BodyServePath
	BodyServeBlob
	// BodyAssembled (contract 0.6.0): the document Assemble built in the
	// host, named by Target (see AssembledResponse).
	BodyAssembled
)

// Response is what a plugin answers. Kind selects Bytes (BodyBytes) or
// Target (a path for BodyServePath, a digest for BodyServeBlob, a handle
// for BodyAssembled).
type Response struct {
	Status     int
	Headers    []Header
	Kind       BodyKind
	Bytes      []byte
	Target     string
	CacheTTLMs uint64
}

// ArchiveKind names an archive format the host reads.
type ArchiveKind uint8

// Archive kinds.
const (
	ArchiveZip ArchiveKind = iota
	ArchiveTar
	ArchiveTarGz
	ArchiveAr
	ArchiveCpio
	// ArchiveTarXz is a tar inside xz (added in 0.2.0, signing).
	ArchiveTarXz
	// ArchiveTarZst is a tar inside zstd (added in 0.2.0, signing).
	ArchiveTarZst
	// ArchiveTarBz2 is a tar inside bzip2 (added in 0.2.0, signing).
	ArchiveTarBz2
)

// ArchiveEntry is one entry of an archive listing.
type ArchiveEntry struct {
	Name  string
	Size  uint64
	IsDir bool
}

// HashAlg names a hash the host computes.
type HashAlg uint8

// Hash algorithms.
const (
	SHA256 HashAlg = iota
	SHA1
	MD5
	SHA512
)

// Source is either bytes the plugin holds, a blob digest (Blob != "") or,
// since contract 0.7.0, a document Assemble built in the host (Assembled
// != "", its handle: see AssembledSource).
type Source struct {
	Bytes     []byte
	Blob      string
	Assembled string
}

// File is a stored file of the repository.
type File struct {
	Path        string
	BlobDigest  string
	Size        uint64
	ContentType string
	SHA256      string
	SHA1        string
	MD5         string
	SHA512      string
	Package     string
	Version     string
	Metadata    []byte
	CreatedMs   int64
}

// StagedFile is a file write staged through the host.
type StagedFile struct {
	Path        string
	BlobDigest  string
	ContentType string
	Package     string
	Version     string
	Metadata    []byte
	Overwrite   bool
}

// PackageInfo is one package of the repository.
type PackageInfo struct {
	Name      string
	CreatedMs int64
	UpdatedMs int64
}

// VersionInfo is one version of a package.
type VersionInfo struct {
	Package   string
	Version   string
	Metadata  []byte
	CreatedMs int64
}

// VersionPut upserts (or with Delete removes) a package version.
type VersionPut struct {
	Package  string
	Version  string
	Metadata []byte
	Delete   bool
}

// KVEntry is one plugin key-value.
type KVEntry struct {
	Key   string
	Value []byte
}

// CacheClass classifies paths of remote repositories.
type CacheClass uint8

// Cache classes. Local (since 0.4.0) marks a path a remote repository
// never proxies: the host answers it with the plugin's Handle on the remote
// repository and never asks the upstream (a login route, say, which would
// otherwise carry the repository's upstream credentials).
const (
	Immutable CacheClass = iota
	Mutable
	Unknown
	Local
)

// LogLevel is the level of a host log line.
type LogLevel uint8

// Log levels.
const (
	LevelDebug LogLevel = iota
	LevelInfo
	LevelWarn
	LevelError
)

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
