package ports

import (
	"context"
	"strings"
	"time"
)

// ContractVersion is the WIT package version the host implements.
const ContractVersion = "0.9.0"

// SupportedContracts are the contract versions whose modules the host loads:
// the current one, 0.8.0 and 0.7.0 (whose assemble templates lack member
// tests and forms added since), 0.6.0 (whose assemble templates have no sorted loops),
// 0.5.0 (without the import assemble and the mount's read paths), 0.4.0 (without the import json-members), 0.3.0 (whose
// rewrite and merge return bare bytes), 0.2.0 (whose describe has no aliases
// either) and 0.1.0 (no credentials or setup either).
var SupportedContracts = []string{ContractVersion, "0.8.0", "0.7.0", "0.6.0", "0.5.0", "0.4.0", "0.3.0", "0.2.0", "0.1.0"}

// SupportedContractsText names SupportedContracts for error messages.
func SupportedContractsText() string { return strings.Join(SupportedContracts, ", ") }

// Capability names a plugin may declare in describe.
const (
	CapParseMetadata = "parse-metadata"
	CapValidate      = "validate"
	CapGenerateIndex = "generate-index"
	CapClassify      = "classify"
	CapRewrite       = "rewrite"
	CapMerge         = "merge"
	// CapRewriteHeld (contract 0.9.0): rewrite with the document held by
	// the host (the export rewrite-held), rewrite as the fallback.
	CapRewriteHeld = "rewrite-held"
)

// Mount is a URL prefix a plugin claims, for example "/generic/" or "/v2/".
// The first path segment after the prefix names the repository when a
// repository of the plugin's format has that key; a root claim (such as OCI's
// "/v2/") is also called for paths whose first segment is not a repository.
//
// AnonymousPaths are path patterns (the escaped path after the repository
// segment, path.Match syntax) that callers may reach with any method without
// the host's up-front authorization (npm's login, "/-/user/org.couchdb.user:*").
// The host caps the body of such a request at 64 KiB and commits no writes
// the plugin stages during it.
//
// ReadPaths (contract 0.6.0) are path patterns of the same syntax whose POST
// and OPTIONS calls only read (an RPC protocol's queries, a CORS preflight):
// the host authorizes them as reads, caps their body at 1 MiB and commits no
// writes the plugin stages during them.
type Mount struct {
	Prefix         string   `json:"prefix"`
	Root           bool     `json:"root"`
	AnonymousPaths []string `json:"anonymous_paths"`
	ReadPaths      []string `json:"read_paths,omitempty"`
}

// Credentials are the credential carriers a plugin's mounts accept (the WIT
// record credentials). The host authenticates these itself, refuses the
// carriers not declared, and strips every credential it consumed before the
// plugin sees the request.
type Credentials struct {
	// Basic: Authorization: Basic with a username and password.
	Basic bool `json:"basic"`
	// TokenInPassword: Authorization: Basic whose password is an API token.
	TokenInPassword bool `json:"token_in_password"`
	// Bearer: Authorization: Bearer <token>, Token <token> or a bare token.
	Bearer bool `json:"bearer"`
	// TokenHeaders are further headers whose whole value is an API token.
	TokenHeaders []string `json:"token_headers"`
	// Challenge is the WWW-Authenticate value of the host's 401 answers on
	// the mounts; "{base-url}" stands for the server's external URL. Empty
	// means DefaultChallenge.
	Challenge string `json:"challenge"`
}

// DefaultChallenge is the challenge of mounts that declare none.
const DefaultChallenge = `Basic realm="keeper"`

// LegacyCredentials are what a 0.1.0 plugin (which cannot declare any)
// accepts: every Authorization carrier, no extra header, a Basic challenge.
var LegacyCredentials = Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// ChallengeFor returns the WWW-Authenticate value for a server reachable at baseURL.
func (c Credentials) ChallengeFor(baseURL string) string {
	if c.Challenge == "" {
		return DefaultChallenge
	}
	return strings.ReplaceAll(c.Challenge, "{base-url}", baseURL)
}

// Setup snippet kinds.
const (
	SetupClient  = "client"
	SetupPublish = "publish"
	SetupConsume = "consume"
)

// SetupSnippet is one client set-up text a plugin offers (the WIT record
// setup-snippet). Text may hold the placeholders {base-url}, {host}, {repo-url},
// {repo}, {user} and {token}.
type SetupSnippet struct {
	Kind   string `json:"kind"`
	Client string `json:"client"`
	// Target is the file the text belongs in ("" for a shell command).
	Target string `json:"target"`
	Text   string `json:"text"`
}

// CapSHA256Bodies is a capability a plugin declares when it reads only the
// sha256 of the bodies the host hands it (a request's body, concat-blobs,
// concat-ranges, put-blob, decode-base64): the host then leaves their sha1,
// md5 and sha512 empty instead of computing them on the request path, and
// the plugin asks the hash import when it needs one. Stored files get those
// digests when they are first asked for.
const CapSHA256Bodies = "sha256-bodies"

// FormatInfo is what a plugin's describe export returns.
type FormatInfo struct {
	Key             string   `json:"key"`
	DisplayName     string   `json:"display_name"`
	Version         string   `json:"version"`
	ContractVersion string   `json:"contract_version"`
	Mounts          []Mount  `json:"mounts"`
	Capabilities    []string `json:"capabilities"`
	// Credentials are the carriers the mounts accept (LegacyCredentials for 0.1.0 modules).
	Credentials Credentials `json:"credentials"`
	// Setup are client set-up snippets, possibly none.
	Setup []SetupSnippet `json:"setup"`
	// Aliases are further format keys repositories may be created with; the
	// host resolves each to Key (none before contract 0.3.0).
	Aliases []string `json:"aliases,omitempty"`
}

// Header is one HTTP header line (names may repeat).
type Header struct {
	Name  string
	Value string
}

// Body describes a request body the host has already spooled to a blob.
type Body struct {
	Digest string
	Size   int64
	SHA1   string
	MD5    string
	SHA512 string
}

// RepoContext is what a plugin learns about the repository it serves.
type RepoContext struct {
	Key      string
	Type     string
	Format   string
	IsPublic bool
	// BaseURL is the absolute URL of the repository under the mount, without a
	// trailing slash (for example http://host:port/generic/libs).
	BaseURL     string
	UpstreamURL string
	Config      map[string]string
	Generation  int64
}

// FormatRequest is the head of an HTTP request as a plugin sees it.
type FormatRequest struct {
	Method string
	// Path is the escaped path after the repository segment (or after the mount
	// prefix when no repository was bound), always starting with "/".
	Path     string
	RawQuery string
	Headers  []Header
	// Body is nil when the request has none.
	Body *Body
	// Repo is nil when no repository was bound (root claims only).
	Repo *RepoContext
	// User is the authenticated username, empty when anonymous.
	User string
	// BaseURL is the server's external base URL (scheme://host[:port]).
	BaseURL string
}

// FormatResponse is what a plugin answers. Exactly one of Body, ServePath or
// ServeBlob is used; when ServePath/ServeBlob is set the host streams the bytes.
type FormatResponse struct {
	Status    int
	Headers   []Header
	Body      []byte
	ServePath string
	ServeBlob string
	// CacheTTL > 0 lets the host cache this response under (repository, path,
	// query, generation) for at most this long.
	CacheTTL time.Duration
}

// StagedFile is a file write a plugin stages through the host.
type StagedFile struct {
	Path        string
	BlobDigest  string
	ContentType string
	Package     string
	Version     string
	Metadata    []byte
	Overwrite   bool
}

// PluginLimits bounds what one plugin instance may use.
type PluginLimits struct {
	MemoryPages  uint32
	CallTimeout  time.Duration
	PoolSize     int
	MaxBodyBytes int64
}

// PluginStats are counters the runtime keeps per loaded plugin.
type PluginStats struct {
	Calls  int64
	Errors int64
	Traps  int64
	// Reloads counts the times the module was replaced under the same id.
	Reloads   int64
	LastError string
	LoadedAt  time.Time
	// State is the plugin's load state on this replica: "registered" (known,
	// compiled on first use), "loaded" (compiled, instances pooled) or
	// "failed" (the last compile failed; LastError says why).
	State string
	// Instances is the number of live instances (busy and idle).
	Instances int
}

// ModuleSource reads a plugin's module when the runtime needs it (on first
// use, and again after an idle module was released).
type ModuleSource func(ctx context.Context) ([]byte, error)

// FormatRuntime runs format plugins (WebAssembly modules).
type FormatRuntime interface {
	// Load compiles module, smoke-tests it with describe and, only if that
	// works, atomically replaces any module loaded under id; in-flight calls
	// finish on the old one.
	Load(ctx context.Context, id string, module []byte, limits PluginLimits) (FormatInfo, error)
	// Register makes id callable without compiling anything now: the module
	// is read from src, compiled (from the compilation cache when possible)
	// and checked to describe format key on first use, and released again
	// when idle. It replaces any module under id; in-flight calls finish on
	// the old one.
	Register(ctx context.Context, id string, src ModuleSource, limits PluginLimits, key string) error
	// Unload removes a module once its in-flight calls have finished.
	Unload(ctx context.Context, id string) error
	// Handle calls the plugin's handle export.
	Handle(ctx context.Context, id string, req FormatRequest, host HostCall) (FormatResponse, error)
	// Stats returns the counters of a loaded plugin.
	Stats(id string) (PluginStats, bool)
}

// FormatValidator is the validate capability of a FormatRuntime (the WIT
// export validate), for plugins whose describe lists CapValidate.
type FormatValidator interface {
	// Validate asks plugin id whether the blob digest, readable through
	// host, may be stored at path of repo. The plugin's rejection is an
	// *InvalidError carrying its message; any other error means the plugin
	// could not answer (trap, deadline, no validate export).
	Validate(ctx context.Context, id string, repo *RepoContext, host HostCall, digest, path string) error
}

// Grants name the credential-minting host imports an admin may grant a
// plugin at install; a plugin without the grant gets an error from them.
// Built-in plugins hold every grant.
const (
	GrantLogin        = "login"
	GrantSessionToken = "session-token"
)

// AllGrants lists every grant.
var AllGrants = []string{GrantLogin, GrantSessionToken}

// PluginRecord is an installed plugin as persisted.
type PluginRecord struct {
	ID          string
	Name        string
	Version     string
	Format      string
	Description string
	// Digest is the sha256 of the .wasm module in the blob store.
	Digest  string
	Enabled bool
	BuiltIn bool
	Limits  PluginLimits
	// Grants are the credential-minting imports the admin granted (GrantLogin,
	// GrantSessionToken); ignored for built-ins, which hold all.
	Grants    []string
	LastError string
	// Info is what the module described when it was last loaded (nil when
	// never): replicas route to the plugin from it without compiling.
	Info      *FormatInfo
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PluginReplicaState is how one replica applied one plugin's record.
type PluginReplicaState struct {
	Replica  string
	PluginID string
	// State: "registered", "loaded", "failed" or "disabled".
	State     string
	Digest    string
	Enabled   bool
	LastError string
	SeenAt    time.Time
}

// PluginStore persists installed plugins and what each replica made of them.
type PluginStore interface {
	SavePlugin(ctx context.Context, p *PluginRecord) error
	GetPlugin(ctx context.Context, id string) (PluginRecord, error)
	ListPlugins(ctx context.Context) ([]PluginRecord, error)
	// DeletePlugin removes the record and every replica's state of it.
	DeletePlugin(ctx context.Context, id string) error
	// SaveReplicaStates replaces the states reported by st[i].Replica for the
	// listed plugins.
	SaveReplicaStates(ctx context.Context, st []PluginReplicaState) error
	// ListReplicaStates returns every replica's state of every plugin, by
	// plugin then replica.
	ListReplicaStates(ctx context.Context) ([]PluginReplicaState, error)
}

// BlobRange is Length bytes at Offset of the stored blob (or request body)
// with sha256 Digest.
type BlobRange struct {
	Digest string
	Offset int64
	Length int64
}

// BlobRanges are the host services of contract 0.2.0 that build a blob out
// of ranges of readable blobs, so upload bytes never pass through a plugin.
// The new blob may be staged by the same call. The wasm adapter answers the
// imports with an error when a HostCall does not implement it.
type BlobRanges interface {
	// ConcatRanges stores the concatenation of parts (each within its blob,
	// each blob readable by the call) as one new blob. An empty or
	// out-of-range part is ErrInvalid; an unreadable blob ErrNotFound.
	ConcatRanges(ctx context.Context, parts []BlobRange) (Body, error)
	// DecodeBase64 stores the decoded standard base64 text (padding
	// optional, CR/LF ignored) of one range as a new blob; text that is not
	// base64 is ErrInvalid.
	DecodeBase64(ctx context.Context, r BlobRange) (Body, error)
	// IndexBytes returns the offset of the first occurrence of pattern (1 to
	// MaxIndexPattern bytes) at or after off in a readable blob, or -1.
	IndexBytes(ctx context.Context, digest string, off int64, pattern []byte) (int64, error)
}

// MaxIndexPattern bounds the pattern of BlobRanges.IndexBytes.
const MaxIndexPattern = 1024
