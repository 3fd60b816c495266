package config

import (
	"path/filepath"
	"strings"
	"time"
)

// Config is every setting Keeper reads at start-up.
type Config struct {
	// Listen is the address the HTTP server binds (KEEPER_LISTEN, --listen).
	Listen string `yaml:"listen"`
	// DataDir holds the SQLite database, filesystem blobs and caches (KEEPER_DATA_DIR, --data-dir).
	DataDir string `yaml:"data_dir"`
	// BaseURL is the external URL clients use (KEEPER_BASE_URL); empty means
	// the X-Forwarded-Host of a trusted proxy, else the local address a
	// connection reached (the listen address). Never the Host header.
	BaseURL string `yaml:"base_url"`
	// TrustedProxies lists, comma-separated, the proxy addresses or CIDR
	// ranges whose X-Forwarded-For / X-Real-IP headers name the client and
	// whose X-Forwarded-Host / -Proto name the external URL
	// (KEEPER_TRUSTED_PROXIES); empty trusts none, so the client is the
	// connection's peer.
	TrustedProxies string   `yaml:"trusted_proxies"`
	Database       Database `yaml:"database"`
	Storage        Storage  `yaml:"storage"`
	Auth           Auth     `yaml:"auth"`
	Limits         Limits   `yaml:"limits"`
	Plugins        Plugins  `yaml:"plugins"`
	Cache          Cache    `yaml:"cache"`
	Limit          Limit    `yaml:"rate_limit"`
	Jobs           Jobs     `yaml:"jobs"`
	// TLS makes the server speak HTTPS (and HTTP/2); off when no mode is set.
	TLS TLS `yaml:"tls"`
	// SSO lists login providers defined here rather than through the API;
	// they are created or replaced at every start.
	SSO []SSOProvider `yaml:"sso"`
	Log Log           `yaml:"log"`
	// Egress guards the server's own outbound connections (SSO discovery and
	// metadata now; upstreams, webhooks and peers as they arrive).
	Egress Egress `yaml:"egress"`
	// Secrets configures encryption at rest of signing keys and provider
	// credentials.
	Secrets Secrets `yaml:"secrets"`
	// Search selects the search index (docs/search.md).
	Search Search `yaml:"search"`
	// Backup is where the backup API writes (docs/backup.md).
	Backup Backup `yaml:"backup"`
	// Replication tunes replication to peers (docs/replication.md).
	Replication Replication `yaml:"replication"`
	// Webhooks tunes the delivery of events to webhooks (docs/webhooks.md).
	Webhooks Webhooks `yaml:"webhooks"`
	// Metrics configures /metrics and download statistics (docs/metrics.md).
	Metrics Metrics `yaml:"metrics"`
	// Scan runs the vulnerability scanners (docs/scanning.md).
	Scan Scan `yaml:"scan"`
	// Imports tunes the import API (docs/import.md).
	Imports Imports `yaml:"imports"`
}

// Scan configures the vulnerability scanners and the scan workers. A
// scanner whose program is not found leaves artifacts "not scanned".
type Scan struct {
	// Enabled runs the scan workers (KEEPER_SCAN_ENABLED, default true).
	Enabled bool `yaml:"enabled"`
	// TrivyPath and GrypePath are the programs (default: found on PATH).
	TrivyPath string `yaml:"trivy_path"`
	GrypePath string `yaml:"grype_path"`
	// TrivyCacheDir is Trivy's database directory (TRIVY_CACHE_DIR);
	// GrypeDBDir is Grype's (GRYPE_DB_CACHE_DIR). Both are used offline:
	// the scanners never update them (docs/scanning.md says how).
	TrivyCacheDir string `yaml:"trivy_cache_dir"`
	GrypeDBDir    string `yaml:"grype_db_dir"`
	// Concurrency is how many artifacts one replica scans at once.
	Concurrency int `yaml:"concurrency"`
	// Timeout bounds one scanner run; a scan whose worker died is taken
	// over after twice this (the lease).
	Timeout time.Duration `yaml:"timeout"`
	// Poll is how often an idle worker looks for queued artifacts.
	Poll time.Duration `yaml:"poll"`
	// WorkDir holds the unpacked artifacts while they are scanned (default:
	// the system's temp directory).
	WorkDir string `yaml:"work_dir"`
	// MaxBytes and MaxFiles bound what one artifact may unpack to.
	MaxBytes int64 `yaml:"max_bytes"`
	MaxFiles int   `yaml:"max_files"`
	// DBCheck is how often the scanners' databases are fingerprinted; when
	// one changed, verdicts made with the old one are scanned again
	// (KEEPER_SCAN_DB_CHECK, default 1m), RescanBatch at a time
	// (KEEPER_SCAN_RESCAN_BATCH, default 100).
	DBCheck     time.Duration `yaml:"db_check"`
	RescanBatch int           `yaml:"rescan_batch"`
	// BlobWait is how long the scan of an image a remote repository cached
	// waits for the blobs it names to be cached too (KEEPER_SCAN_BLOB_WAIT,
	// default 1h); then it fails, naming the missing blob.
	BlobWait time.Duration `yaml:"blob_wait"`
	// BlobFetchAfter is how long after its queueing the scan of such an
	// image waits for clients to fetch the blobs before the repository
	// fetches the missing ones from its upstream itself
	// (KEEPER_SCAN_BLOB_FETCH_AFTER, default 1m; 0 never).
	BlobFetchAfter time.Duration `yaml:"blob_fetch_after"`
}

// Metrics protects the Prometheus endpoint and bounds the download
// statistics buffer.
type Metrics struct {
	// Enabled serves /metrics (KEEPER_METRICS_ENABLED; default true).
	Enabled bool `yaml:"enabled"`
	// Token, when set, admits a scrape carrying "Authorization: Bearer
	// <token>" from anywhere (KEEPER_METRICS_TOKEN).
	Token string `yaml:"token" secret:"true"`
	// AllowedNetworks are the addresses or CIDR ranges admitted without the
	// token, checked against the client address (the connection's peer
	// unless trusted_proxies names the proxy in front); default loopback
	// only (KEEPER_METRICS_ALLOWED_NETWORKS, comma-separated).
	AllowedNetworks []string `yaml:"allowed_networks"`
	// DownloadStats records downloads per artifact, repository, user and
	// day (KEEPER_METRICS_DOWNLOAD_STATS; default true).
	DownloadStats bool `yaml:"download_stats"`
	// DownloadStatsBuffer bounds the distinct counts held in memory between
	// flushes; downloads beyond it are dropped and counted (default 10000).
	DownloadStatsBuffer int `yaml:"download_stats_buffer"`
}

// Webhooks tunes event delivery; the webhooks themselves are managed
// through /api/v1/webhooks.
type Webhooks struct {
	// Workers is how many deliveries one replica sends at once (KEEPER_WEBHOOKS_WORKERS).
	Workers int `yaml:"workers"`
	// Poll is how often idle workers look for deliveries queued on another replica.
	Poll time.Duration `yaml:"poll"`
	// Timeout bounds one delivery attempt.
	Timeout time.Duration `yaml:"timeout"`
	// MaxAttempts per delivery before it is marked failed.
	MaxAttempts int `yaml:"max_attempts"`
	// RetryBase is the first retry's wait, doubled per failure up to RetryMax (jittered).
	RetryBase time.Duration `yaml:"retry_base"`
	RetryMax  time.Duration `yaml:"retry_max"`
	// DisableAfter consecutive failed attempts disable a webhook (0: never).
	DisableAfter int `yaml:"disable_after"`
	// Retention is how long finished deliveries stay in the delivery log.
	Retention time.Duration `yaml:"retention"`
}

// Search selects where the search index lives and how closely it follows
// writes. The database holds it unless meilisearch.url is set.
type Search struct {
	// IndexPoll is how often the indexing job looks for committed changes:
	// the bound on the lag from upload to searchable.
	IndexPoll   time.Duration `yaml:"index_poll"`
	Meilisearch Meilisearch   `yaml:"meilisearch"`
}

// Meilisearch is a Meilisearch server holding the search index.
type Meilisearch struct {
	// URL (http:// or https://) turns Meilisearch on (KEEPER_SEARCH_MEILISEARCH_URL).
	URL string `yaml:"url"`
	// APIKey is sent as the bearer key (KEEPER_SEARCH_MEILISEARCH_API_KEY).
	APIKey string `yaml:"api_key" secret:"true"`
	// Index is the index uid (default keeper).
	Index string `yaml:"index"`
}

// Secrets holds the key that seals secrets in the database (AES-256-GCM).
type Secrets struct {
	// Key is 32 bytes as 64 hex digits or base64 (KEEPER_SECRETS_KEY);
	// empty means the key in KeyFile. Several replicas need the same key.
	Key string `yaml:"key" secret:"true"`
	// KeyFile is created 0600 with a random key at first start; empty means
	// data_dir/secret.key.
	KeyFile string `yaml:"key_file"`
	// PreviousKeys still open values sealed before a rotation; everything
	// is re-sealed with the current key at start.
	PreviousKeys []string `yaml:"previous_keys" secret:"true"`
}

// SecretKeyFile is where the generated secrets key lives.
func (c Config) SecretKeyFile() string {
	if c.Secrets.KeyFile != "" {
		return c.Secrets.KeyFile
	}
	return filepath.Join(c.DataDir, "secret.key")
}

// Egress says which outbound targets are allowed besides public addresses.
type Egress struct {
	// AllowPrivateNetworks lets outbound connections reach private, loopback
	// and link-local addresses (KEEPER_EGRESS_ALLOW_PRIVATE_NETWORKS).
	AllowPrivateNetworks bool `yaml:"allow_private_networks"`
	// AllowedHosts are host names or addresses reachable even when private.
	AllowedHosts []string `yaml:"allowed_hosts"`
}

// Database selects the metadata store and bounds its connection pool. Every
// replica holds at most MaxOpenConns pooled connections plus one listening
// connection (PostgreSQL), so N replicas need N×(MaxOpenConns+1) of the
// server's max_connections (docs/deploy.md gives the rule).
type Database struct {
	// URL is postgres://… for PostgreSQL; empty means SQLite in DataDir (KEEPER_DATABASE_URL).
	URL string `yaml:"url"`
	// MaxOpenConns caps the pool; a request waits for a free connection.
	MaxOpenConns int `yaml:"max_open_conns"`
	// MaxIdleConns is how many connections stay open when idle (≤ MaxOpenConns).
	MaxIdleConns int `yaml:"max_idle_conns"`
	// ConnMaxIdleTime closes connections idle this long (0 keeps them).
	ConnMaxIdleTime time.Duration `yaml:"conn_max_idle_time"`
	// ConnMaxLifetime recycles connections after this long (0 keeps them).
	ConnMaxLifetime time.Duration `yaml:"conn_max_lifetime"`
}

// Storage selects the blob store.
type Storage struct {
	// Backend is "filesystem" or "s3".
	Backend string `yaml:"backend"`
	// Path is the filesystem blob root; empty means DataDir/blobs.
	Path string `yaml:"path"`
	// DirectIO writes a remote repository's first download of a file
	// around the page cache (O_DIRECT) on the filesystem backend
	// (KEEPER_STORAGE_DIRECT_IO, default false; docs/remote-repositories.md).
	DirectIO bool `yaml:"direct_io"`
	S3       S3   `yaml:"s3"`
}

// S3 configures the S3 blob store.
type S3 struct {
	Endpoint  string `yaml:"endpoint"`
	Region    string `yaml:"region"`
	Bucket    string `yaml:"bucket"`
	Prefix    string `yaml:"prefix"`
	AccessKey string `yaml:"access_key" secret:"true"`
	SecretKey string `yaml:"secret_key" secret:"true"`
	PathStyle bool   `yaml:"path_style"`
	PartSize  int64  `yaml:"part_size"`
}

// Auth configures the bootstrap admin and tokens.
type Auth struct {
	// AdminPassword is the bootstrap admin's password (KEEPER_ADMIN_PASSWORD); empty means generated and printed once.
	// One that breaks the password rules (auth.min_password_length) is accepted only with a forced change at first login.
	AdminPassword string        `yaml:"admin_password" secret:"true"`
	AccessTTL     time.Duration `yaml:"access_ttl"`
	RefreshTTL    time.Duration `yaml:"refresh_ttl"`
	// MinPasswordLength is the shortest password accepted (default 8).
	MinPasswordLength int `yaml:"min_password_length"`
	// LockoutAfter failed password checks from one address lock that account
	// for that address for LockoutFor, doubling with each further failure
	// (defaults 5 and 15m; counted in the database, so cluster-wide).
	LockoutAfter int           `yaml:"lockout_after"`
	LockoutFor   time.Duration `yaml:"lockout_for"`
	// RequireTOTPForAdmins holds administrators who have not turned on
	// two-factor sign-in to enrolling before anything else, and refuses
	// their password on other carriers (Basic, npm login).
	RequireTOTPForAdmins bool `yaml:"require_totp_for_admins"`
}

// Limits bounds request sizes.
type Limits struct {
	// MaxUploadBytes caps one artifact (413 beyond it).
	MaxUploadBytes int64 `yaml:"max_upload_bytes"`
	// UploadSessionTTL expires idle resumable uploads.
	UploadSessionTTL time.Duration `yaml:"upload_session_ttl"`
	// BodyIdleTimeout ends a request whose body delivers nothing for this
	// long (408); 0 turns it off.
	BodyIdleTimeout time.Duration `yaml:"body_idle_timeout"`
	// BodyMinBytesPerSecond ends a request whose body arrives slower than
	// this on average after BodyRateGrace (408); 0 turns it off.
	BodyMinBytesPerSecond int64         `yaml:"body_min_bytes_per_second"`
	BodyRateGrace         time.Duration `yaml:"body_rate_grace"`
}

// Plugins configures the WebAssembly runtime.
type Plugins struct {
	// CacheDir keeps compiled plugins across restarts; empty means
	// data_dir/cache/wasm. Processes may share one.
	CacheDir    string        `yaml:"cache_dir"`
	CallTimeout time.Duration `yaml:"call_timeout"`
	PoolSize    int           `yaml:"pool_size"`
	MemoryPages uint32        `yaml:"memory_pages"`
	// IdleInstanceTTL closes a plugin's idle instances after this long
	// without a call; IdleModuleTTL releases its compiled module too (it is
	// compiled again from the cache on the next call). Negative: never.
	IdleInstanceTTL time.Duration `yaml:"idle_instance_ttl"`
	IdleModuleTTL   time.Duration `yaml:"idle_module_ttl"`
	// QueueWait is how long a call waits for a free instance of a busy
	// plugin before the client gets 503 with Retry-After.
	QueueWait time.Duration `yaml:"queue_wait"`
	// ReconcileEvery re-reads every plugin record this often (the safety net
	// under cross-replica change notices).
	ReconcileEvery time.Duration `yaml:"reconcile_every"`
	// MaxLoaded caps the plugins kept compiled in memory at once (each costs
	// about 25 MiB); the least recently used idle one is released beyond it.
	// 0: no cap.
	MaxLoaded int `yaml:"max_loaded"`
}

// Cache configures the in-memory metadata cache.
type Cache struct {
	// TTL bounds how long a replica trusts cached repository and file rows:
	// writes of another replica are seen within it (its own at once).
	TTL time.Duration `yaml:"ttl"`
	// MaxFiles bounds the cached file rows.
	MaxFiles int `yaml:"max_files"`
}

// Limit configures abuse protection; a zero request count turns a limit off.
// Windows are kept per process (see docs/rate-limits.md for several replicas).
type Limit struct {
	PerIPRequests   int           `yaml:"per_ip_requests"`
	PerIPWindow     time.Duration `yaml:"per_ip_window"`
	PerUserRequests int           `yaml:"per_user_requests"`
	PerUserWindow   time.Duration `yaml:"per_user_window"`
	LoginRequests   int           `yaml:"login_requests"`
	LoginWindow     time.Duration `yaml:"login_window"`
	// BadCredentialRequests refused credentials per client address and
	// BadCredentialWindow; beyond them that address's uncached credential
	// checks answer 429 before reading the database.
	BadCredentialRequests int           `yaml:"bad_credential_requests"`
	BadCredentialWindow   time.Duration `yaml:"bad_credential_window"`
	// MaxInFlight requests are handled at once; beyond it 503 + Retry-After.
	MaxInFlight int `yaml:"max_in_flight"`
}

// Jobs schedules background work; each job runs once per interval across
// all replicas (one replica holds its lease). A zero interval disables a job.
type Jobs struct {
	// GCInterval runs blob garbage collection (mark and sweep).
	GCInterval time.Duration `yaml:"gc_interval"`
	// GCGrace keeps unreferenced blobs younger than this (in-flight uploads).
	GCGrace time.Duration `yaml:"gc_grace"`
	// UploadExpiryInterval ends resumable uploads idle for limits.upload_session_ttl.
	UploadExpiryInterval time.Duration `yaml:"upload_expiry_interval"`
	// TempCleanupInterval removes temporary objects and aborts multipart
	// uploads older than TempMaxAge (S3), left by replicas killed mid-upload.
	TempCleanupInterval time.Duration `yaml:"temp_cleanup_interval"`
	// TempMaxAge must exceed the longest upload any replica may be running.
	TempMaxAge time.Duration `yaml:"temp_max_age"`
}

// SSOProvider is an LDAP, OIDC or SAML login provider; Settings are the
// kind's settings as documented for /api/v1/admin/sso/{kind}.
type SSOProvider struct {
	Kind        string         `yaml:"kind"`
	Name        string         `yaml:"name"`
	DisplayName string         `yaml:"display_name"`
	Disabled    bool           `yaml:"disabled"`
	Settings    map[string]any `yaml:"settings"`
}

// TLS selects one way to obtain the server certificate: files (reloaded
// when they change), a self-signed certificate for development, or ACME.
type TLS struct {
	// CertFile and KeyFile are PEM files; a new pair is picked up when either file changes.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// SelfSigned creates (once) a certificate for the listen address under
	// data_dir/tls and prints its path, for development and tests.
	SelfSigned bool `yaml:"self_signed"`
	ACME       ACME `yaml:"acme"`
}

// ACME obtains certificates automatically for public host names (TLS-ALPN-01
// challenge on the listen address, which must be reachable on port 443).
type ACME struct {
	// Hosts are the names certificates may be requested for; empty turns ACME off.
	Hosts []string `yaml:"hosts"`
	// Email is given to the certificate authority for expiry notices.
	Email string `yaml:"email"`
	// CacheDir keeps account keys and certificates; empty means data_dir/tls/acme.
	CacheDir string `yaml:"cache_dir"`
	// DirectoryURL is the ACME directory; empty means the library's default authority.
	DirectoryURL string `yaml:"directory_url"`
}

// Enabled reports whether the server speaks HTTPS.
func (t TLS) Enabled() bool {
	return t.CertFile != "" || t.KeyFile != "" || t.SelfSigned || len(t.ACME.Hosts) > 0
}

// TLSDir is where the self-signed certificate and the ACME cache live.
func (c Config) TLSDir() string { return filepath.Join(c.DataDir, "tls") }

// ACMECacheDir is where ACME account keys and certificates are kept.
func (c Config) ACMECacheDir() string {
	if c.TLS.ACME.CacheDir != "" {
		return c.TLS.ACME.CacheDir
	}
	return filepath.Join(c.TLSDir(), "acme")
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Default returns the embedded default: SQLite and filesystem blobs under
// ./keeper-data, listening on 127.0.0.1:8080.
func Default() Config {
	return Config{
		Listen:  "127.0.0.1:8080",
		DataDir: "./keeper-data",
		// 8 replicas × (10 pooled + 1 listening) = 88 of a stock server's
		// max_connections=100 (3 of which are reserved for superusers).
		Database: Database{MaxOpenConns: 10, MaxIdleConns: 5, ConnMaxIdleTime: time.Minute, ConnMaxLifetime: 30 * time.Minute},
		Storage:  Storage{Backend: "filesystem", S3: S3{Region: "us-east-1", PartSize: 16 << 20}},
		Auth: Auth{AccessTTL: 15 * time.Minute, RefreshTTL: 7 * 24 * time.Hour, MinPasswordLength: 8,
			LockoutAfter: 5, LockoutFor: 15 * time.Minute},
		Limits: Limits{MaxUploadBytes: 10 << 30, UploadSessionTTL: 24 * time.Hour,
			BodyIdleTimeout: time.Minute, BodyMinBytesPerSecond: 1024, BodyRateGrace: 30 * time.Second},
		Plugins: Plugins{CallTimeout: 10 * time.Second, PoolSize: 4, MemoryPages: 4096,
			IdleInstanceTTL: 30 * time.Second, IdleModuleTTL: 5 * time.Minute, QueueWait: 250 * time.Millisecond,
			ReconcileEvery: 30 * time.Second, MaxLoaded: 10},
		Cache: Cache{TTL: 2 * time.Second, MaxFiles: 100_000},
		Jobs: Jobs{GCInterval: 24 * time.Hour, GCGrace: 24 * time.Hour, UploadExpiryInterval: 10 * time.Minute,
			TempCleanupInterval: time.Hour, TempMaxAge: 6 * time.Hour},
		Limit: Limit{PerIPWindow: time.Minute, PerUserWindow: time.Minute,
			LoginRequests: 10, LoginWindow: time.Minute, MaxInFlight: 1024,
			BadCredentialRequests: 100, BadCredentialWindow: time.Minute},
		Log:    Log{Level: "info", Format: "text"},
		Search: Search{IndexPoll: 200 * time.Millisecond, Meilisearch: Meilisearch{Index: "keeper"}},
		Webhooks: Webhooks{Workers: 4, Poll: time.Second, Timeout: 10 * time.Second, MaxAttempts: 8,
			RetryBase: 10 * time.Second, RetryMax: time.Hour, DisableAfter: 20, Retention: 30 * 24 * time.Hour},
		Imports:     Imports{Retention: 90 * 24 * time.Hour},
		Replication: defaultReplication(),
		Metrics: Metrics{Enabled: true, AllowedNetworks: []string{"127.0.0.0/8", "::1/128"}, DownloadStats: true,
			DownloadStatsBuffer: 10000},
		Scan: Scan{Enabled: true, Concurrency: 2, Timeout: 5 * time.Minute, Poll: time.Second,
			MaxBytes: 1 << 30, MaxFiles: 100_000, DBCheck: time.Minute, RescanBatch: 100, BlobWait: time.Hour,
			BlobFetchAfter: time.Minute},
	}
}

// TrustedProxyList splits TrustedProxies.
func (c Config) TrustedProxyList() []string {
	var out []string
	for _, p := range strings.Split(c.TrustedProxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// SQLitePath is where the embedded database lives when no URL is set.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "keeper.db") }

// PluginCacheDir is where compiled plugins are kept.
func (c Config) PluginCacheDir() string {
	if c.Plugins.CacheDir != "" {
		return c.Plugins.CacheDir
	}
	return filepath.Join(c.DataDir, "cache", "wasm")
}

// BlobPath is the filesystem blob root.
func (c Config) BlobPath() string {
	if c.Storage.Path != "" {
		return c.Storage.Path
	}
	return filepath.Join(c.DataDir, "blobs")
}
