package yamlconfig

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad loads arbitrary YAML files with one arbitrary KEEPER_* variable
// and one flag override: Load must never panic, and whatever it accepts
// passes validation.
func FuzzLoad(f *testing.F) {
	f.Add("listen: 0.0.0.0:9000\ndata_dir: /from/file\nplugins:\n  call_timeout: 3s\n", "KEEPER_DATA_DIR", "/x", "listen", "127.0.0.1:0")
	f.Add("rate_limit:\n  per_ip_requests: 10\n  per_ip_window: 1m\ncache:\n  ttl: 2s\n  max_files: 100\n", "KEEPER_RATE_LIMIT_LOGIN_REQUESTS", "0", "cache.ttl", "1s")
	f.Add("sso:\n  - kind: ldap\n    name: corp\n", "KEEPER_STORAGE_S3_BUCKET", "b", "storage.backend", "s3")
	f.Add("database: {url: 'postgres://u:p@h/db'}\n", "KEEPER_PLUGINS_POOL_SIZE", "-1", "plugins.call_timeout", "x")
	f.Add("&a [*a, *a]\n", "KEEPER_LISTEN", ":0", "", "")
	f.Fuzz(func(t *testing.T, yaml, envName, envValue, flag, flagValue string) {
		if len(yaml) > 1<<16 {
			return
		}
		path := filepath.Join(t.TempDir(), "keeper.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		overrides := map[string]string{}
		if flag != "" {
			overrides[flag] = flagValue
		}
		cfg, err := Load(path, []string{envName + "=" + envValue}, overrides)
		if err == nil {
			if verr := cfg.Validate(); verr != nil {
				t.Fatalf("Load accepted a configuration that does not validate: %v", verr)
			}
		}
	})
}
