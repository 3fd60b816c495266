package bunstore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/replication"
	"github.com/keeper-registry/keeper/core/secret"
	"github.com/keeper-registry/keeper/core/signing"
	"github.com/keeper-registry/keeper/core/webhook"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// TestSSOStoreSealedSQLite runs the SSO conformance suite with encryption
// at rest turned on.
func TestSSOStoreSealedSQLite(t *testing.T) {
	porttest.SSOStore(t, func(t *testing.T) porttest.SSOStores {
		s := openSQLite(t)
		b, _ := secret.New(secret.NewKey())
		s.UseSealer(b)
		return porttest.SSOStores{SSO: s, Users: s}
	})
}

// rawValues returns every stored setting value and provider configuration
// as the database holds them.
func rawValues(t *testing.T, s *bunstore.Store) string {
	t.Helper()
	var out []string
	for _, q := range []string{"SELECT CAST(value AS TEXT) FROM settings", "SELECT config FROM sso_providers",
		"SELECT secret FROM user_totp", "SELECT recovery FROM user_totp", "SELECT sealed_private FROM signing_keys",
		"SELECT secret FROM webhooks", "SELECT previous_secret FROM webhooks WHERE previous_secret <> ''",
		"SELECT sealed_api_key FROM replication_peers"} {
		rows, err := s.DB().QueryContext(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			_ = rows.Scan(&v)
			out = append(out, v)
		}
		rows.Close()
	}
	return strings.Join(out, "\n")
}

// TestSecretsAtRest: signing keys and provider secrets are sealed in the
// database; a database written before encryption was turned on is sealed
// by ResealSecrets; after a key rotation (new primary, old key in
// previous) everything is re-sealed with the new key and the old key is no
// longer needed; the SQLite file is private (0600). Issue 20.11.
func TestSecretsAtRest(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "keeper.db")
	open := func(sl bunstore.Sealer) *bunstore.Store {
		s, err := bunstore.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if sl != nil {
			s.UseSealer(sl)
		}
		return s
	}
	// Before: plaintext, as older versions wrote it.
	s0 := open(nil)
	if _, err := s0.GetOrCreateSetting(ctx, "auth.signing_key", []byte("jwt-signing-key-plain")); err != nil {
		t.Fatal(err)
	}
	p := ports.SSOProvider{Kind: "oidc", Name: "corp", Enabled: true, Config: []byte(`{"client_secret":"oidc-secret-plain"}`)}
	if err := s0.CreateSSOProvider(ctx, &p); err != nil {
		t.Fatal(err)
	}
	u := ports.User{Username: "totp-user", Email: "t@example.test"}
	if err := s0.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if err := s0.PutTwoFactor(ctx, auth.TwoFactor{UserID: u.ID, Secret: "TOTPSECRETPLAIN", Enabled: true,
		Recovery: []string{"recovery-plain-1"}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("database file mode: %v %v", fi.Mode().Perm(), err)
	}

	k1, k2 := secret.NewKey(), secret.NewKey()
	b1, _ := secret.New(k1)
	s1 := open(b1)
	if n, err := s1.ResealSecrets(ctx); err != nil || n != 3 {
		t.Fatalf("reseal plaintext: %d %v", n, err)
	}
	raw := rawValues(t, s1)
	if strings.Contains(raw, "plain") || !strings.Contains(raw, "keeper-sealed:v1:"+secret.KeyID(k1)) {
		t.Fatalf("not sealed: %s", raw)
	}
	if v, err := s1.GetOrCreateSetting(ctx, "auth.signing_key", []byte("other")); err != nil || string(v) != "jwt-signing-key-plain" {
		t.Fatalf("sealed setting reads %q %v", v, err)
	}
	if _, err := s1.GetOrCreateSetting(ctx, "sso.state_key", []byte("state-key-new")); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rawValues(t, s1), "state-key-new") {
		t.Fatal("a new setting was stored in plaintext")
	}
	// A signing key's private half, sealed by core/signing with the same box.
	sealedKey, err := b1.Seal([]byte("pgp-private-key"), signing.SealContext("k1"))
	if err != nil {
		t.Fatal(err)
	}
	// A webhook's secrets (current and, during a rotation, previous), sealed by core/webhook.
	hookCur, _ := b1.Seal([]byte("hook-secret-new"), webhook.SealContext("ci"))
	hookPrev, _ := b1.Seal([]byte("hook-secret-old"), webhook.SealContext("ci"))
	hook := ports.Webhook{Name: "ci", URL: "https://hooks.example.test/x", Format: "json", Events: []string{"*"}, Enabled: true,
		Secret: hookCur, PreviousSecret: hookPrev, PreviousUntil: time.Now().Add(time.Hour)}
	if err := s1.CreateWebhook(ctx, &hook); err != nil {
		t.Fatal(err)
	}
	peerKey, _ := b1.Seal([]byte("peer-api-key"), replication.SealContext("eu"))
	if err := s1.CreatePeer(ctx, &ports.Peer{Name: "eu", EndpointURL: "https://eu.example.test", SealedAPIKey: peerKey}); err != nil {
		t.Fatal(err)
	}
	if err := s1.SaveSigningKey(ctx, &ports.SigningKey{ID: "k1", Name: "repo-key", Algorithm: "ed25519", Fingerprint: "ab",
		Status: ports.KeyActive, PublicKey: []byte("pub"), SealedPrivate: sealedKey}); err != nil {
		t.Fatal(err)
	}

	// Rotation: k2 primary, k1 previous.
	b2, _ := secret.New(k2, k1)
	s2 := open(b2)
	if n, err := s2.ResealSecrets(ctx); err != nil || n != 8 {
		t.Fatalf("reseal after rotation: %d %v", n, err)
	}
	if raw := rawValues(t, s2); strings.Contains(raw, secret.KeyID(k1)) || strings.Contains(strings.ToLower(raw), "plain") {
		t.Fatalf("old key still in use: %s", raw)
	}
	only2, _ := secret.New(k2)
	s3 := open(only2)
	got, err := s3.GetSSOProvider(ctx, "oidc", "corp")
	if err != nil || !strings.Contains(string(got.Config), "oidc-secret-plain") {
		t.Fatalf("provider after rotation: %s %v", got.Config, err)
	}
	tf, err := s3.GetTwoFactor(ctx, u.ID)
	if err != nil || tf.Secret != "TOTPSECRETPLAIN" || len(tf.Recovery) != 1 || tf.Recovery[0] != "recovery-plain-1" {
		t.Fatalf("two-factor after rotation: %+v %v", tf, err)
	}
	k, err := s3.GetSigningKey(ctx, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if plain, current, err := only2.Open(k.SealedPrivate, signing.SealContext("k1")); err != nil || !current || string(plain) != "pgp-private-key" {
		t.Fatalf("signing key after rotation: %q %v %v", plain, current, err)
	}
	w, err := s3.GetWebhook(ctx, hook.ID)
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string]string{w.Secret: "hook-secret-new", w.PreviousSecret: "hook-secret-old"} {
		if plain, current, err := only2.Open(v, webhook.SealContext("ci")); err != nil || !current || string(plain) != want {
			t.Fatalf("webhook secret after rotation: %q %v %v", plain, current, err)
		}
	}
	peers, err := s3.ListPeers(ctx)
	if err != nil || len(peers) != 1 {
		t.Fatalf("peers: %v %v", peers, err)
	}
	if plain, current, err := only2.Open(peers[0].SealedAPIKey, replication.SealContext("eu")); err != nil || !current || string(plain) != "peer-api-key" {
		t.Fatalf("peer key after rotation: %q %v %v", plain, current, err)
	}
	if n, err := s3.ResealSecrets(ctx); err != nil || n != 0 {
		t.Fatalf("a second reseal rewrote %d values (%v)", n, err)
	}
	// Without the key nothing opens (and nothing is silently replaced).
	s4 := open(mustBox(t))
	if _, err := s4.GetOrCreateSetting(ctx, "auth.signing_key", []byte("x")); err == nil {
		t.Fatal("a value sealed with an unknown key was opened")
	}
}

func mustBox(t *testing.T) *secret.Box {
	b, err := secret.New(secret.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return b
}
