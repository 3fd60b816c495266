package config

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// secretConfig is a configuration whose every secret holds a known value
// (returned), with a database URL and a Meilisearch URL carrying
// credentials and SSO providers with credentials in their settings.
func secretConfig() (Config, []string) {
	c := Default()
	c.Database.URL = "postgres://keeper:db-pass-7Q2@db.internal:5432/keeper?sslmode=disable&sslpassword=ssl-pass-9Z"
	c.Auth.AdminPassword = "admin-pass-3X"
	c.Storage.Backend = "s3"
	c.Storage.S3 = S3{Bucket: "blobs", Endpoint: "http://minio:9000", AccessKey: "s3-access-5K", SecretKey: "s3-secret-8M"}
	c.Backup.S3 = BackupS3{AccessKey: "bk-access-1A", SecretKey: "bk-secret-2B"}
	c.Secrets.Key = "secrets-key-4C"
	c.Secrets.PreviousKeys = []string{"old-key-6D"}
	c.Metrics.Token = "metrics-token-7E"
	c.Search.Meilisearch = Meilisearch{URL: "http://search-user:meili-pass-8F@meili:7700", APIKey: "meili-key-9G", Index: "keeper"}
	c.Replication.EdgeHubURL = "https://edge-user:hub-pass-0H@hub:8443"
	c.Replication.EdgeAPIKey = "edge-key-1J"
	c.SSO = []SSOProvider{
		{Kind: "ldap", Name: "corp", Settings: map[string]any{"url": "ldap://ldap:389", "bind_dn": "cn=svc", "bind_password": "ldap-pass-2K"}},
		{Kind: "oidc", Name: "okta", Disabled: true, Settings: map[string]any{"issuer": "https://idp", "client_id": "kc",
			"client_secret": "oidc-secret-3L", "extra": map[string]any{"token": "nested-token-4M"}}},
	}
	return c, []string{"db-pass-7Q2", "ssl-pass-9Z", "admin-pass-3X", "s3-access-5K", "s3-secret-8M", "bk-access-1A", "bk-secret-2B",
		"secrets-key-4C", "old-key-6D", "metrics-token-7E", "meili-pass-8F", "meili-key-9G", "hub-pass-0H", "edge-key-1J",
		"ldap-pass-2K", "oidc-secret-3L", "nested-token-4M", "search-user", "edge-user"}
}

// TestSettingsRedactSecrets: no secret value appears in the settings or the
// summary; each secret says that it is set; the rest shows its value.
func TestSettingsRedactSecrets(t *testing.T) {
	c, secrets := secretConfig()
	body, err := json.Marshal(map[string]any{"summary": c.Summarize(), "settings": c.Settings()})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(body), s) {
			t.Errorf("secret %q in %s", s, body)
		}
	}
	got := map[string]Setting{}
	for _, s := range c.Settings() {
		got[s.Key] = s
	}
	for _, k := range []string{"auth.admin_password", "storage.s3.access_key", "storage.s3.secret_key", "backup.s3.secret_key",
		"secrets.key", "secrets.previous_keys", "metrics.token", "search.meilisearch.api_key", "replication.edge_api_key",
		"sso[0].settings.bind_password", "sso[1].settings.client_secret"} {
		if s := got[k]; !s.Secret || !s.Set || s.Value != "" {
			t.Errorf("%s: %+v, want a secret that is set", k, s)
		}
	}
	if s := got["tls.key_file"]; s.Secret {
		t.Errorf("tls.key_file is a path, not a secret: %+v", s)
	}
	want := map[string]string{
		"listen":                        "127.0.0.1:8080",
		"database.url":                  "postgres://REDACTED@db.internal:5432/keeper?sslmode=disable&sslpassword=REDACTED",
		"database.max_open_conns":       "10",
		"auth.access_ttl":               "15m0s",
		"metrics.allowed_networks":      "127.0.0.0/8, ::1/128",
		"sso[0].kind":                   "ldap",
		"sso[0].settings.bind_dn":       "cn=svc",
		"sso[1].disabled":               "true",
		"sso[1].settings.extra":         "(structured value, not shown)",
		"replication.edge_hub_url":      "https://REDACTED@hub:8443",
		"search.meilisearch.url":        "http://REDACTED@meili:7700",
		"storage.s3.endpoint":           "http://minio:9000",
		"rate_limit.max_in_flight":      "1024",
		"egress.allow_private_networks": "false",
	}
	for k, v := range want {
		if got[k].Value != v {
			t.Errorf("%s = %q, want %q", k, got[k].Value, v)
		}
	}
	if s := Default().Settings(); !containsUnset(s, "auth.admin_password") {
		t.Errorf("an empty secret must read not set: %+v", s)
	}
	sum := c.Summarize()
	if sum.Database != "postgres" || sum.BlobStore != "s3" || !strings.HasPrefix(sum.Search, "meilisearch") ||
		len(sum.SSO) != 2 || sum.SSO[1] != "oidc/okta (disabled)" {
		t.Errorf("summary: %+v", sum)
	}
	if d := Default().Summarize(); d.Database != "sqlite" || d.BlobStore != "filesystem" || d.Search != "database" || d.TLS != "off" {
		t.Errorf("default summary: %+v", d)
	}
}

func containsUnset(ss []Setting, key string) bool {
	for _, s := range ss {
		if s.Key == key {
			return s.Secret && !s.Set
		}
	}
	return false
}

// TestSecretFieldsAreTagged keeps the redaction complete as settings are
// added: a field whose name looks like a credential must be tagged
// secret:"true" or named here as not one.
func TestSecretFieldsAreTagged(t *testing.T) {
	notSecret := map[string]bool{"key_file": true, "include_secrets_key": true, "min_password_length": true,
		"bad_credential_requests": true, "bad_credential_window": true, "allow_private_networks": true}
	var check func(t reflect.Type, path string)
	check = func(t2 reflect.Type, path string) {
		for i := range t2.NumField() {
			f := t2.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft.String() != "time.Duration" {
				check(ft, path+"."+name)
				continue
			}
			if secretName.MatchString(name) && f.Tag.Get("secret") != "true" && !notSecret[name] {
				t.Errorf("%s.%s looks like a credential: tag it secret:\"true\" (redacted by the settings API) or list it here", path, name)
			}
		}
	}
	check(reflect.TypeOf(Config{}), "config")
}
