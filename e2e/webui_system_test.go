package e2e

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// TestWebUISigning drives the signing keys page (web/e2e/signing.mjs) in
// Chromium: a key generated from the page is listed with its fingerprint
// and public key as the API gives them, assigned to a repository, rotated
// (the new key takes the repository over, the old one reads retired) and
// revoked. It fails on any console error or failed request.
func TestWebUISigning(t *testing.T) {
	runUIScriptSetup(t, "signing.mjs", harness.Options{Env: []string{"KEEPER_SCAN_ENABLED=false"}}, func(k *harness.Keeper) []string {
		k.CreateRepo(harness.Repo{Key: "signed", Format: "generic"})
		return nil
	})
}

// TestWebUISettings drives the system settings page (web/e2e/settings.mjs)
// against a keeper started with known secrets: the page shows the real
// listen address (the configured one and the port actually served on) and
// the database kind, every secret only as "set", and no secret's value
// appears in the page or in any answer it received.
func TestWebUISettings(t *testing.T) {
	secrets := []struct{ key, env, value string }{
		{"metrics.token", "KEEPER_METRICS_TOKEN", "ui-metrics-token-5b1e"},
		{"storage.s3.access_key", "KEEPER_STORAGE_S3_ACCESS_KEY", "ui-s3-access-7c2f"},
		{"storage.s3.secret_key", "KEEPER_STORAGE_S3_SECRET_KEY", "ui-s3-secret-9d3a"},
		{"search.meilisearch.api_key", "KEEPER_SEARCH_MEILISEARCH_API_KEY", "ui-meili-key-1e4b"},
		{"backup.s3.secret_key", "KEEPER_BACKUP_S3_SECRET_KEY", "ui-backup-secret-6a7d"},
		{"auth.admin_password", "", harness.AdminPassword},
	}
	opts := harness.Options{Env: []string{"KEEPER_SCAN_ENABLED=false"}}
	var keys, values []string
	for _, s := range secrets {
		if s.env != "" {
			opts.Env = append(opts.Env, s.env+"="+s.value)
		}
		keys, values = append(keys, s.key), append(values, s.value)
	}
	runUIScriptSetup(t, "settings.mjs", opts, nil, "KEEPER_UI_SECRETS="+strings.Join(values, ","),
		"KEEPER_UI_SECRET_KEYS="+strings.Join(keys, ","), "KEEPER_UI_DATABASE=sqlite") // opts.DB is the zero value: SQLite in the data dir
}
