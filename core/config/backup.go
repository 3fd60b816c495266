package config

import (
	"fmt"
	"strings"
)

// Backup says where the backup API writes (docs/backup.md).
type Backup struct {
	// Target is a directory or s3://bucket/prefix (KEEPER_BACKUP_TARGET);
	// empty turns POST /api/v1/admin/backups off.
	Target string `yaml:"target"`
	// IncludeSecretsKey writes the secrets key into the backups the API
	// makes, in clear (KEEPER_BACKUP_INCLUDE_SECRETS_KEY); off by default.
	IncludeSecretsKey bool `yaml:"include_secrets_key"`
	// S3 is the server and credentials of s3:// targets; when its endpoint
	// and keys are all empty, storage.s3's are used.
	S3 BackupS3 `yaml:"s3"`
}

// BackupS3 is how to reach the S3 server of a backup target (the bucket
// and prefix come from the target itself).
type BackupS3 struct {
	Endpoint  string `yaml:"endpoint"`
	Region    string `yaml:"region"`
	AccessKey string `yaml:"access_key" secret:"true"`
	SecretKey string `yaml:"secret_key" secret:"true"`
	PathStyle bool   `yaml:"path_style"`
}

// BackupTarget is a parsed backup target: a directory, or an S3 bucket and prefix.
type BackupTarget struct {
	Dir    string
	Bucket string
	Prefix string
}

// ParseBackupTarget reads "DIR" or "s3://bucket/prefix".
func ParseBackupTarget(s string) (BackupTarget, error) {
	if s == "" {
		return BackupTarget{}, fmt.Errorf("empty: give a directory or s3://bucket/prefix")
	}
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		if strings.Contains(s, "://") {
			return BackupTarget{}, fmt.Errorf("%q: only directories and s3://bucket/prefix are supported", s)
		}
		return BackupTarget{Dir: s}, nil
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" || strings.ContainsAny(bucket, "?#") || strings.ContainsAny(prefix, "?#") {
		return BackupTarget{}, fmt.Errorf("%q: want s3://bucket/prefix", s)
	}
	return BackupTarget{Bucket: bucket, Prefix: strings.Trim(prefix, "/")}, nil
}

// S3For returns the S3 settings a backup target uses: backup.s3, or
// storage.s3's server and keys when backup.s3 names none.
func (c Config) S3For(t BackupTarget) S3 {
	b := c.Backup.S3
	out := S3{Endpoint: b.Endpoint, Region: b.Region, AccessKey: b.AccessKey, SecretKey: b.SecretKey, PathStyle: b.PathStyle}
	if b.Endpoint == "" && b.AccessKey == "" && b.SecretKey == "" {
		s := c.Storage.S3
		out = S3{Endpoint: s.Endpoint, Region: s.Region, AccessKey: s.AccessKey, SecretKey: s.SecretKey, PathStyle: s.PathStyle}
	}
	out.Bucket, out.Prefix = t.Bucket, t.Prefix
	return out
}

func (b Backup) problems() []string {
	if b.Target == "" {
		return nil
	}
	if _, err := ParseBackupTarget(b.Target); err != nil {
		return []string{"backup.target: " + err.Error()}
	}
	return nil
}
