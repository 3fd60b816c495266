package http_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/config"
)

// TestSystemSettings: administrators read the effective configuration with
// every secret reduced to "set"; a user gets 403, an anonymous caller 401.
func TestSystemSettings(t *testing.T) {
	cfg := config.Default()
	secrets := []string{"db-pass-Q7", "admin-pass-X3", "s3-access-K5", "s3-secret-M8", "secrets-key-C4", "metrics-token-E7",
		"meili-key-G9", "edge-key-J1", "ldap-pass-K2", "oidc-secret-L3"}
	cfg.Database.URL = "postgres://keeper:db-pass-Q7@db.internal:5432/keeper"
	cfg.Auth.AdminPassword = "admin-pass-X3"
	cfg.Storage.Backend = "s3"
	cfg.Storage.S3 = config.S3{Bucket: "blobs", AccessKey: "s3-access-K5", SecretKey: "s3-secret-M8"}
	cfg.Secrets.Key = "secrets-key-C4"
	cfg.Metrics.Token = "metrics-token-E7"
	cfg.Search.Meilisearch = config.Meilisearch{URL: "http://meili:7700", APIKey: "meili-key-G9", Index: "keeper"}
	cfg.Replication.EdgeAPIKey = "edge-key-J1"
	cfg.SSO = []config.SSOProvider{
		{Kind: "ldap", Name: "corp", Settings: map[string]any{"bind_password": "ldap-pass-K2"}},
		{Kind: "oidc", Name: "idp", Settings: map[string]any{"client_secret": "oidc-secret-L3"}},
	}
	info := httpapi.SystemInfo{Config: cfg, Version: "v9.9.9",
		Scanners: func() []httpapi.Scanner { return []httpapi.Scanner{{Name: "trivy", Program: "trivy", Found: false}} }}
	e := newEnvRoutes(t, filepath.Join(t.TempDir(), "k.db"), 1<<20, func(*bunstore.Store) []httpapi.Route {
		return httpapi.SettingsRoutes(info)
	})
	var got struct {
		Version   string `json:"version"`
		ServingOn string `json:"serving_on"`
		Summary   struct {
			Listen, Database, BlobStore string
			DatabaseTarget              string `json:"database_target"`
			SSO                         []string
		}
		Scanners []httpapi.Scanner
		Settings []config.Setting
	}
	raw := e.doJSON("GET", "/api/v1/system/settings", e.token, nil, 200, &got)
	for _, s := range secrets {
		if strings.Contains(string(raw), s) {
			t.Errorf("secret %q in the answer: %s", s, raw)
		}
	}
	if got.Version != "v9.9.9" || got.Summary.Database != "postgres" || got.Summary.Listen != cfg.Listen ||
		got.Summary.DatabaseTarget != "postgres://REDACTED@db.internal:5432/keeper" || len(got.Summary.SSO) != 2 ||
		len(got.Scanners) != 1 || got.Scanners[0].Found {
		t.Errorf("settings: %s", raw)
	}
	// serving_on is the address this request reached: the test server's.
	if "http://"+got.ServingOn != e.url {
		t.Errorf("serving_on %q, server %s", got.ServingOn, e.url)
	}
	set := map[string]bool{}
	for _, s := range got.Settings {
		if s.Secret {
			set[s.Key] = s.Set
		}
	}
	for _, k := range []string{"auth.admin_password", "storage.s3.secret_key", "secrets.key", "sso[1].settings.client_secret"} {
		if !set[k] {
			t.Errorf("%s: not reported as a secret that is set (%v)", k, set)
		}
	}

	_, bob := e.addUser("bob", nil)
	if resp, _ := e.do("GET", "/api/v1/system/settings", bob, nil); resp.StatusCode != 403 {
		t.Errorf("a user: %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/api/v1/system/settings", "", nil); resp.StatusCode != 401 {
		t.Errorf("anonymous: %d, want 401", resp.StatusCode)
	}
}
