package bunstore_test

import (
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/secret"
	"github.com/keeper-registry/keeper/ports"
)

// TestRepositoryCredentialsAtRest: a remote repository's upstream token
// and password, and credentials inside its upstream URL, are sealed in the
// database and read back in the clear; a repository written before
// encryption was turned on is sealed by ResealSecrets.
func TestRepositoryCredentialsAtRest(t *testing.T) {
	ctx := t.Context()
	s := openSQLite(t)
	const token, pass, urlPass = "tok-Zq81", "pw-Xy77", "url-Pq55"
	plain := ports.Repository{Key: "old", Format: "npm", Type: ports.RepoRemote, UpstreamURL: "https://u:" + urlPass + "@up.example/npm",
		Config: map[string]string{"upstream_token": token, "cache_ttl": "10m"}}
	if err := s.CreateRepository(ctx, &plain); err != nil { // before a key was configured
		t.Fatal(err)
	}
	b, _ := secret.New(secret.NewKey())
	s.UseSealer(b)
	if n, err := s.ResealSecrets(ctx); err != nil || n == 0 {
		t.Fatalf("reseal: %d %v", n, err)
	}
	r := ports.Repository{Key: "new", Format: "npm", Type: ports.RepoRemote, UpstreamURL: "https://up.example/npm",
		Config: map[string]string{"upstream_username": "bot", "upstream_password": pass}}
	if err := s.CreateRepository(ctx, &r); err != nil {
		t.Fatal(err)
	}
	var raw []string
	rows, err := s.DB().QueryContext(ctx, "SELECT upstream_url || ' ' || config FROM repositories")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v string
		_ = rows.Scan(&v)
		raw = append(raw, v)
	}
	rows.Close()
	all := strings.Join(raw, "\n")
	for _, secretValue := range []string{token, pass, urlPass} {
		if strings.Contains(all, secretValue) {
			t.Fatalf("%q stored in the clear:\n%s", secretValue, all)
		}
	}
	if !strings.Contains(all, "10m") || !strings.Contains(all, "bot") {
		t.Fatalf("settings that are not secrets were sealed too:\n%s", all)
	}
	got, err := s.GetRepository(ctx, "old")
	if err != nil || got.Config["upstream_token"] != token || !strings.Contains(got.UpstreamURL, urlPass) {
		t.Fatalf("old: %+v %v", got, err)
	}
	got, err = s.GetRepository(ctx, "new")
	if err != nil || got.Config["upstream_password"] != pass {
		t.Fatalf("new: %+v %v", got, err)
	}
	if _, err := s.UpdateRepository(ctx, "new", func(r *ports.Repository) error { r.Description = "x"; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, err = s.GetRepository(ctx, "new"); err != nil || got.Config["upstream_password"] != pass {
		t.Fatalf("after an update: %+v %v", got, err)
	}
	list, _, err := s.ListRepositories(ctx, ports.RepositoryFilter{}, ports.Page{Limit: 10})
	if err != nil || len(list) != 2 || list[0].Config["upstream_password"] != pass {
		t.Fatalf("list: %+v %v", list, err)
	}
}
