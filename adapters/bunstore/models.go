package bunstore

import "github.com/uptrace/bun"

// Row models mirror migrations/*/0001_init.up.sql. Times are unix nanoseconds
// (see convert.go); nullzero stores the zero value as NULL.

type repositoryRow struct {
	bun.BaseModel `bun:"table:repositories,alias:r"`

	ID             int64  `bun:"id,pk,autoincrement"`
	Key            string `bun:"key,notnull"`
	Name           string `bun:"name,notnull"`
	Format         string `bun:"format,notnull"`
	RepoType       string `bun:"repo_type,notnull"`
	IsPublic       bool   `bun:"is_public,notnull"`
	Description    string `bun:"description,notnull"`
	UpstreamURL    string `bun:"upstream_url,notnull"`
	AllowOverwrite bool   `bun:"allow_overwrite,notnull"`
	Config         string `bun:"config,notnull"`
	Generation     int64  `bun:"generation,notnull"`
	CreatedAt      int64  `bun:"created_at,nullzero"`
	UpdatedAt      int64  `bun:"updated_at,nullzero"`
}

type memberRow struct {
	bun.BaseModel `bun:"table:repository_members,alias:m"`

	VirtualID int64 `bun:"virtual_id,pk"`
	MemberID  int64 `bun:"member_id,pk"`
	Priority  int   `bun:"priority,notnull"`
}

type packageRow struct {
	bun.BaseModel `bun:"table:packages,alias:p"`

	ID           int64  `bun:"id,pk,autoincrement"`
	RepositoryID int64  `bun:"repository_id,notnull"`
	Name         string `bun:"name,notnull"`
	CreatedAt    int64  `bun:"created_at,nullzero"`
	UpdatedAt    int64  `bun:"updated_at,nullzero"`
}

type versionRow struct {
	bun.BaseModel `bun:"table:versions,alias:v"`

	ID        int64  `bun:"id,pk,autoincrement"`
	PackageID int64  `bun:"package_id,notnull"`
	Version   string `bun:"version,notnull"`
	Metadata  []byte `bun:"metadata"`
	CreatedAt int64  `bun:"created_at,nullzero"`
}

type fileRow struct {
	bun.BaseModel `bun:"table:files,alias:f"`

	ID           int64  `bun:"id,pk,autoincrement"`
	RepositoryID int64  `bun:"repository_id,notnull"`
	Path         string `bun:"path,notnull"`
	BlobDigest   string `bun:"blob_digest,notnull"`
	Size         int64  `bun:"size,notnull"`
	ContentType  string `bun:"content_type,notnull"`
	SHA256       string `bun:"sha256,notnull"`
	SHA1         string `bun:"sha1,notnull"`
	MD5          string `bun:"md5,notnull"`
	SHA512       string `bun:"sha512,notnull"`
	Package      string `bun:"package,notnull"`
	Version      string `bun:"version,notnull"`
	Metadata     []byte `bun:"metadata"`
	CreatedAt    int64  `bun:"created_at,nullzero"`
}

type kvRow struct {
	bun.BaseModel `bun:"table:plugin_kv,alias:kv"`

	RepositoryID int64  `bun:"repository_id,pk"`
	Namespace    string `bun:"namespace,pk"`
	Key          string `bun:"key,pk"`
	Value        []byte `bun:"value,notnull"`
}

type userRow struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID                 int64  `bun:"id,pk,autoincrement"`
	Username           string `bun:"username,notnull"`
	Email              string `bun:"email,notnull"`
	DisplayName        string `bun:"display_name,notnull"`
	PasswordHash       string `bun:"password_hash,notnull"`
	IsAdmin            bool   `bun:"is_admin,notnull"`
	Disabled           bool   `bun:"disabled,notnull"`
	MustChangePassword bool   `bun:"must_change_password,notnull"`
	// TwoFactor is read with the user (users.go), never written here.
	TwoFactor    bool  `bun:"two_factor,scanonly"`
	FailedLogins int   `bun:"failed_logins,notnull"`
	LockedUntil  int64 `bun:"locked_until,nullzero"`
	CreatedAt    int64 `bun:"created_at,nullzero"`
	UpdatedAt    int64 `bun:"updated_at,nullzero"`
}

type tokenRow struct {
	bun.BaseModel `bun:"table:api_tokens,alias:t"`

	ID         int64   `bun:"id,pk,autoincrement"`
	UserID     int64   `bun:"user_id,notnull"`
	Name       string  `bun:"name,notnull"`
	Prefix     string  `bun:"prefix,notnull"`
	Hash       string  `bun:"hash,notnull"`
	Scopes     *string `bun:"scopes"`
	Repos      *string `bun:"repos"`
	Parent     string  `bun:"parent,notnull"`
	ExpiresAt  int64   `bun:"expires_at,nullzero"`
	LastUsedAt int64   `bun:"last_used_at,nullzero"`
	RevokedAt  int64   `bun:"revoked_at,nullzero"`
	CreatedAt  int64   `bun:"created_at,nullzero"`
}

type settingRow struct {
	bun.BaseModel `bun:"table:settings,alias:s"`

	Key   string `bun:"key,pk"`
	Value []byte `bun:"value,notnull"`
}

type uploadRow struct {
	bun.BaseModel `bun:"table:upload_sessions,alias:us"`

	ID             string `bun:"id,pk"`
	RepositoryKey  string `bun:"repository_key,notnull"`
	ArtifactPath   string `bun:"artifact_path,notnull"`
	TotalSize      int64  `bun:"total_size,notnull"`
	ChecksumSHA256 string `bun:"checksum_sha256,notnull"`
	Received       int64  `bun:"received,notnull"`
	CreatedBy      int64  `bun:"created_by,notnull"`
	CreatedAt      int64  `bun:"created_at,nullzero"`
	UpdatedAt      int64  `bun:"updated_at,nullzero"`
}

type chunkRow struct {
	bun.BaseModel `bun:"table:upload_chunks,alias:uc"`

	SessionID   string `bun:"session_id,pk"`
	StartOffset int64  `bun:"start_offset,pk"`
	Size        int64  `bun:"size,notnull"`
	Digest      string `bun:"digest,notnull"`
}

type pluginRow struct {
	bun.BaseModel `bun:"table:plugins,alias:pl"`

	ID          string `bun:"id,pk"`
	Name        string `bun:"name,notnull"`
	Version     string `bun:"version,notnull"`
	Format      string `bun:"format,notnull"`
	Description string `bun:"description,notnull"`
	Digest      string `bun:"digest,notnull"`
	Enabled     bool   `bun:"enabled,notnull"`
	BuiltIn     bool   `bun:"built_in,notnull"`
	Limits      string `bun:"limits,notnull"`
	Grants      string `bun:"grants,notnull"`
	LastError   string `bun:"last_error,notnull"`
	Info        string `bun:"info,notnull"`
	CreatedAt   int64  `bun:"created_at,nullzero"`
	UpdatedAt   int64  `bun:"updated_at,nullzero"`
}

type pluginReplicaRow struct {
	bun.BaseModel `bun:"table:plugin_replicas,alias:pr"`

	Replica   string `bun:"replica,pk"`
	PluginID  string `bun:"plugin_id,pk"`
	State     string `bun:"state,notnull"`
	Digest    string `bun:"digest,notnull"`
	Enabled   bool   `bun:"enabled,notnull"`
	LastError string `bun:"last_error,notnull"`
	SeenAt    int64  `bun:"seen_at,notnull"`
}
