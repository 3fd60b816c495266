package yamlconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultsAreTheEmbeddedDefault(t *testing.T) {
	cfg, err := Load("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:8080" || cfg.DataDir != "./keeper-data" || cfg.Database.URL != "" || cfg.Storage.Backend != "filesystem" {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
}

func TestPrecedenceFileThenEnvThenFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keeper.yaml")
	data := "listen: 0.0.0.0:9000\ndata_dir: /from/file\nplugins:\n  call_timeout: 3s\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"KEEPER_DATA_DIR=/from/env", "KEEPER_ADMIN_PASSWORD=s3cret", "KEEPER_STORAGE_S3_BUCKET=b", "KEEPER_TEST_POSTGRES_URL=ignored", "PATH=/bin"}
	cfg, err := Load(path, env, map[string]string{"listen": "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:0" {
		t.Errorf("flag should win: listen=%s", cfg.Listen)
	}
	if cfg.DataDir != "/from/env" {
		t.Errorf("env should beat file: data_dir=%s", cfg.DataDir)
	}
	if cfg.Auth.AdminPassword != "s3cret" || cfg.Storage.S3.Bucket != "b" {
		t.Errorf("env not applied: %+v", cfg.Auth)
	}
	if cfg.Plugins.CallTimeout != 3*time.Second {
		t.Errorf("file not applied: %v", cfg.Plugins.CallTimeout)
	}
}

func TestValidationNamesKeyAndAllowedValues(t *testing.T) {
	cases := []struct {
		env  []string
		want []string
	}{
		{[]string{"KEEPER_STORAGE_BACKEND=ftp"}, []string{"storage.backend", "filesystem or s3"}},
		{[]string{"KEEPER_LOG_LEVEL=loud"}, []string{"log.level", "debug, info, warn or error"}},
		{[]string{"KEEPER_LISTEN=nonsense"}, []string{"listen", "host:port"}},
		{[]string{"KEEPER_DATABASE_URL=mysql://x"}, []string{"database.url", "postgres://"}},
		{[]string{"KEEPER_PLUGINS_CALL_TIMEOUT=soon"}, []string{"KEEPER_PLUGINS_CALL_TIMEOUT", "duration"}},
		{[]string{"KEEPER_STORAGE_BACKEND=s3"}, []string{"storage.s3.bucket", "required"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.env, " "), func(t *testing.T) {
			_, err := Load("", c.env, nil)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestUnknownFileKeyIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keeper.yaml")
	if err := os.WriteFile(path, []byte("listen: 127.0.0.1:1\nlisten_port: 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "listen_port") {
		t.Fatalf("want error naming listen_port, got %v", err)
	}
}

func TestSSOProvidersFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keeper.yaml")
	data := `sso:
  - kind: ldap
    name: corp
    display_name: Corp directory
    settings:
      url: ldap://127.0.0.1:389
      user_dn_template: "uid={username},ou=people,dc=corp"
      mapping: {admin_groups: [ops]}
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.SSO) != 1 || cfg.SSO[0].Kind != "ldap" || cfg.SSO[0].Settings["url"] != "ldap://127.0.0.1:389" {
		t.Fatalf("sso: %+v", cfg.SSO)
	}
	if err := os.WriteFile(path, []byte("sso:\n  - kind: kerberos\n    name: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, nil, nil); err == nil || !strings.Contains(err.Error(), "sso[0].kind") {
		t.Fatalf("bad kind: %v", err)
	}
}

func TestTLSFromFileAndEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keeper.yaml")
	data := "tls:\n  acme:\n    hosts: [keeper.example.org, mirror.example.org]\n    email: ops@example.org\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.TLS.ACME.Hosts, ",") != "keeper.example.org,mirror.example.org" || cfg.TLS.ACME.Email != "ops@example.org" {
		t.Fatalf("from file: %+v", cfg.TLS)
	}
	cfg, err = Load("", []string{"KEEPER_TLS_ACME_HOSTS=a.example.org,b.example.org"}, nil)
	if err != nil || strings.Join(cfg.TLS.ACME.Hosts, ",") != "a.example.org,b.example.org" {
		t.Fatalf("from the environment: %+v %v", cfg.TLS, err)
	}
	if cfg, err := Load("", []string{"KEEPER_TLS_SELF_SIGNED=true"}, nil); err != nil || !cfg.TLS.SelfSigned {
		t.Fatalf("self-signed: %+v %v", cfg.TLS, err)
	}
}
