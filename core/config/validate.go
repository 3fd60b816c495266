package config

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// Validate checks every field and names the bad key and the allowed values.
func (c Config) Validate() error {
	var errs []string
	bad := func(key, format string, args ...any) {
		errs = append(errs, key+": "+fmt.Sprintf(format, args...))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "%q is not host:port (for example 127.0.0.1:8080 or :8080)", c.Listen)
	}
	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	errs = append(errs, c.Backup.problems()...)
	if u := c.Database.URL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		bad("database.url", "%q is not allowed: use postgres://… or leave empty for the embedded SQLite", redact(u))
	}
	if c.Database.MaxOpenConns < 1 {
		bad("database.max_open_conns", "must be at least 1")
	}
	if c.Database.MaxIdleConns < 0 || c.Database.MaxIdleConns > c.Database.MaxOpenConns {
		bad("database.max_idle_conns", "must be between 0 and database.max_open_conns (%d)", c.Database.MaxOpenConns)
	}
	if c.Database.ConnMaxIdleTime < 0 {
		bad("database.conn_max_idle_time", "must not be negative (0 keeps idle connections)")
	}
	if c.Database.ConnMaxLifetime < 0 {
		bad("database.conn_max_lifetime", "must not be negative (0 keeps connections)")
	}
	switch c.Storage.Backend {
	case "filesystem":
	case "s3":
		if c.Storage.S3.Bucket == "" {
			bad("storage.s3.bucket", "required when storage.backend is s3")
		}
		if c.Storage.S3.PartSize != 0 && c.Storage.S3.PartSize < 5<<20 {
			bad("storage.s3.part_size", "%d is below the S3 minimum of 5242880 bytes", c.Storage.S3.PartSize)
		}
	default:
		bad("storage.backend", "%q is not allowed: use filesystem or s3", c.Storage.Backend)
	}
	if c.Auth.AccessTTL <= 0 {
		bad("auth.access_ttl", "must be a positive duration such as 15m")
	}
	if c.Auth.RefreshTTL <= 0 {
		bad("auth.refresh_ttl", "must be a positive duration such as 168h")
	}
	if c.Auth.MinPasswordLength < 1 || c.Auth.MinPasswordLength > 1024 {
		bad("auth.min_password_length", "must be between 1 and 1024")
	}
	if c.Auth.LockoutAfter < 0 {
		bad("auth.lockout_after", "must not be negative (0 turns lockout off)")
	}
	if c.Auth.LockoutFor <= 0 {
		bad("auth.lockout_for", "must be a positive duration such as 15m")
	}
	for _, p := range c.TrustedProxyList() {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				bad("trusted_proxies", "%q is not an IP address or CIDR range (for example 10.0.0.0/8)", p)
			}
		}
	}
	for _, p := range c.Metrics.AllowedNetworks {
		if p = strings.TrimSpace(p); p != "" && net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				bad("metrics.allowed_networks", "%q is not an IP address or CIDR range (for example 10.0.0.0/8)", p)
			}
		}
	}
	if c.Metrics.DownloadStatsBuffer < 0 {
		bad("metrics.download_stats_buffer", "must not be negative (0 takes the default)")
	}
	if c.Limits.MaxUploadBytes <= 0 {
		bad("limits.max_upload_bytes", "must be a positive number of bytes")
	}
	if c.Limits.BodyIdleTimeout < 0 || c.Limits.BodyMinBytesPerSecond < 0 || c.Limits.BodyRateGrace < 0 {
		bad("limits.body_*", "must not be negative (0 turns the check off)")
	}
	if u := c.BaseURL; u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		bad("base_url", "%q must start with http:// or https://", u)
	}
	if c.Plugins.CallTimeout <= 0 {
		bad("plugins.call_timeout", "must be a positive duration such as 10s")
	}
	if c.Plugins.PoolSize < 1 {
		bad("plugins.pool_size", "must be at least 1")
	}
	if c.Cache.TTL < 0 {
		bad("cache.ttl", "must not be negative (0 turns the cache off)")
	}
	if c.Cache.MaxFiles < 0 {
		bad("cache.max_files", "must not be negative")
	}
	for key, v := range map[string]int{"rate_limit.per_ip_requests": c.Limit.PerIPRequests,
		"rate_limit.per_user_requests": c.Limit.PerUserRequests, "rate_limit.login_requests": c.Limit.LoginRequests,
		"rate_limit.bad_credential_requests": c.Limit.BadCredentialRequests,
		"rate_limit.max_in_flight":           c.Limit.MaxInFlight} {
		if v < 0 {
			bad(key, "must not be negative (0 turns the limit off)")
		}
	}
	for key, w := range map[string]time.Duration{"rate_limit.per_ip_window": c.Limit.PerIPWindow,
		"rate_limit.per_user_window": c.Limit.PerUserWindow, "rate_limit.login_window": c.Limit.LoginWindow,
		"rate_limit.bad_credential_window": c.Limit.BadCredentialWindow} {
		if w <= 0 {
			bad(key, "must be a positive duration such as 1m")
		}
	}
	for key, d := range map[string]time.Duration{"jobs.gc_interval": c.Jobs.GCInterval,
		"jobs.upload_expiry_interval": c.Jobs.UploadExpiryInterval, "jobs.temp_cleanup_interval": c.Jobs.TempCleanupInterval} {
		if d < 0 {
			bad(key, "must not be negative (0 turns the job off)")
		}
	}
	if c.Jobs.GCGrace < time.Second {
		bad("jobs.gc_grace", "must be at least 1s (it protects uploads in flight)")
	}
	if c.Jobs.TempMaxAge < time.Second {
		bad("jobs.temp_max_age", "must be at least 1s (it protects uploads in flight)")
	}
	for i, p := range c.SSO {
		key := fmt.Sprintf("sso[%d]", i)
		switch p.Kind {
		case "ldap", "oidc", "saml":
		default:
			bad(key+".kind", "%q is not allowed: use ldap, oidc or saml", p.Kind)
		}
		if p.Name == "" {
			bad(key+".name", "must not be empty")
		}
	}
	c.validateTLS(bad)
	c.Replication.validate(bad)
	c.validateWebhooks(bad)
	if r := c.Imports.Retention; r < time.Hour || r > 10*366*24*time.Hour {
		bad("imports.retention", "must be between 1h and 87840h (10 years)")
	}
	if p := c.Search.IndexPoll; p < 10*time.Millisecond || p > time.Minute {
		bad("search.index_poll", "must be between 10ms and 1m")
	}
	if u := c.Search.Meilisearch.URL; u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		bad("search.meilisearch.url", "%q must start with http:// or https://", u)
	}
	if ix := c.Search.Meilisearch.Index; ix == "" || strings.Trim(ix, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
		bad("search.meilisearch.index", "%q must be letters, digits, '-' and '_'", ix)
	}
	if n := c.Scan.Concurrency; n < 1 || n > 64 {
		bad("scan.concurrency", "must be between 1 and 64")
	}
	if t := c.Scan.Timeout; t < time.Second || t > 6*time.Hour {
		bad("scan.timeout", "must be between 1s and 6h")
	}
	if p := c.Scan.Poll; p < 10*time.Millisecond || p > time.Minute {
		bad("scan.poll", "must be between 10ms and 1m")
	}
	if d := c.Scan.DBCheck; d < time.Second || d > 24*time.Hour {
		bad("scan.db_check", "must be between 1s and 24h")
	}
	if n := c.Scan.RescanBatch; n < 1 || n > 10_000 {
		bad("scan.rescan_batch", "must be between 1 and 10000")
	}
	if d := c.Scan.BlobWait; d < time.Second || d > 7*24*time.Hour {
		bad("scan.blob_wait", "must be between 1s and 168h")
	}
	if d := c.Scan.BlobFetchAfter; d < 0 || d >= c.Scan.BlobWait {
		bad("scan.blob_fetch_after", "must be at least 0 and less than scan.blob_wait")
	}
	if c.Scan.MaxBytes < 1<<20 || c.Scan.MaxFiles < 1 {
		bad("scan.max_bytes", "max_bytes must be at least 1 MiB and max_files at least 1")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q is not allowed: use debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "%q is not allowed: use text or json", c.Log.Format)
	}
	if len(errs) > 0 {
		return fmt.Errorf("config: %s", strings.Join(errs, "; "))
	}
	return nil
}

func (c Config) validateTLS(bad func(key, format string, args ...any)) {
	t := c.TLS
	if (t.CertFile == "") != (t.KeyFile == "") {
		bad("tls.cert_file", "tls.cert_file and tls.key_file must be set together")
	}
	modes := 0
	for _, on := range []bool{t.CertFile != "" || t.KeyFile != "", t.SelfSigned, len(t.ACME.Hosts) > 0} {
		if on {
			modes++
		}
	}
	if modes > 1 {
		bad("tls", "choose one of tls.cert_file/key_file, tls.self_signed or tls.acme.hosts")
	}
	for i, h := range t.ACME.Hosts {
		if h == "" || strings.ContainsAny(h, "/:* ") {
			bad(fmt.Sprintf("tls.acme.hosts[%d]", i), "%q is not a host name", h)
		}
	}
	if u := t.ACME.DirectoryURL; u != "" && !strings.HasPrefix(u, "https://") {
		bad("tls.acme.directory_url", "%q must be an https:// URL", u)
	}
}

func redact(u string) string {
	if i := strings.Index(u, "@"); i >= 0 {
		if j := strings.Index(u, "://"); j >= 0 && j < i {
			return u[:j+3] + "…" + u[i:]
		}
	}
	return u
}
