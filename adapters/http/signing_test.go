package http_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/adapters/pgp"
	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/secret"
	"github.com/keeper-registry/keeper/core/signing"
	"github.com/keeper-registry/keeper/ports"
)

type keyJSON struct {
	ID, Name, Algorithm, Fingerprint, Status string
	ReplacedBy                               string `json:"replaced_by"`
	PublicKey                                string `json:"public_key"`
}

// signingEnv is an API server with the signing routes; svc signs as the
// dispatcher's sign import does.
func signingEnv(t *testing.T, dsn string) (*env, *signing.Service) {
	var svc *signing.Service
	e := newEnvRoutes(t, dsn, 1<<20, func(s *bunstore.Store) []httpapi.Route {
		box, err := secret.New(secret.NewKey())
		if err != nil {
			t.Fatal(err)
		}
		svc = signing.New(signing.Deps{Store: s, Crypto: &pgp.Crypto{}, Sealer: box, Repos: s, Audit: audit.New(s, nil)})
		return httpapi.SigningRoutes(svc)
	})
	return e, svc
}

// TestSigningKeys: the key life cycle through the API: generate, import,
// configure a repository, sign, rotate, revoke; no private material in
// any answer; non-admins learn nothing.
func TestSigningKeys(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			e, svc := signingEnv(t, dsn(t))
			ctx := t.Context()
			e.createRepo(map[string]any{"key": "apt", "format": "generic", "repo_type": "local"})
			var k keyJSON
			raw := e.doJSON("POST", "/api/v1/signing/keys", e.token, map[string]any{"name": "Apt", "algorithm": "rsa3072"}, 201, &k)
			if k.Status != ports.KeyActive || k.Algorithm != "rsa3072" || !strings.HasPrefix(k.Name, "apt-") || len(k.Fingerprint) != 40 {
				t.Fatalf("created: %s", raw)
			}
			noPrivate(t, raw)
			e.doJSON("POST", "/api/v1/signing/keys", e.token, map[string]any{"name": "x", "algorithm": "dsa1024"}, 400, nil)
			e.doJSON("POST", "/api/v1/signing/keys", e.token, map[string]any{"name": "../x"}, 400, nil)

			// Import an armored private key.
			imp, _ := pgp.Generate(pgp.Ed25519, "Imported", "i@keeper.invalid")
			priv, _ := imp.Private()
			var armored bytes.Buffer
			w, _ := armor.Encode(&armored, openpgp.PrivateKeyType, nil)
			w.Write(priv)
			w.Close()
			var ik keyJSON
			e.doJSON("POST", "/api/v1/signing/keys", e.token, map[string]any{"name": "imported", "private_key": armored.String()}, 201, &ik)
			if ik.Fingerprint != imp.Fingerprint() || ik.Algorithm != "ed25519" {
				t.Fatalf("imported: %+v", ik)
			}
			pub, _ := imp.Public(ports.KeyPGPArmored)
			e.doJSON("POST", "/api/v1/signing/keys", e.token, map[string]any{"name": "pub", "private_key": string(pub)}, 400, nil)

			// Non-admins: the same answer for a key that exists and one that does not.
			_, bob := e.addUser("bob", nil)
			for _, p := range []string{"/api/v1/signing/keys/" + k.ID, "/api/v1/signing/keys/0000000000000000"} {
				if resp, _ := e.do("GET", p, bob, nil); resp.StatusCode != 403 {
					t.Errorf("bob GET %s: %d", p, resp.StatusCode)
				}
				if resp, _ := e.do("GET", p, "", nil); resp.StatusCode != 401 {
					t.Errorf("anonymous GET %s: %d", p, resp.StatusCode)
				}
			}
			if resp, _ := e.do("PUT", "/api/v1/signing/repositories/apt/config", bob, strings.NewReader(`{"key_id":"`+k.ID+`"}`)); resp.StatusCode != 403 {
				t.Errorf("bob configures: %d", resp.StatusCode)
			}

			// The public key: anyone.
			resp, body := e.do("GET", "/api/v1/signing/keys/"+k.ID+"/public", "", nil)
			if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----")) || resp.Header.Get("Content-Type") != "application/pgp-keys" {
				t.Fatalf("public: %d %s", resp.StatusCode, body)
			}
			noPrivate(t, body)
			ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(body))
			if err != nil || ring[0].PrivateKey != nil {
				t.Fatalf("public key: %v", err)
			}

			// Configure and sign.
			if _, err := svc.Sign(ctx, "apt", ports.Subject{Username: "x"}, ports.SignPGPDetachedBinary, []byte("d")); err != ports.ErrNoSigningKey {
				t.Errorf("unconfigured sign: %v", err)
			}
			e.doJSON("PUT", "/api/v1/signing/repositories/apt/config", e.token, map[string]string{"key_id": "nope"}, 400, nil)
			e.doJSON("PUT", "/api/v1/signing/repositories/apt/config", e.token, map[string]string{"key_id": k.ID}, 200, nil)
			var cfg struct {
				KeyID string `json:"key_id"`
			}
			e.doJSON("GET", "/api/v1/signing/repositories/apt/config", e.token, nil, 200, &cfg)
			if cfg.KeyID != k.ID {
				t.Fatalf("config: %+v", cfg)
			}
			sig, err := svc.Sign(ctx, "apt", ports.Subject{Username: "alice"}, ports.SignPGPDetachedBinary, []byte("Release"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := openpgp.CheckDetachedSignature(ring, strings.NewReader("Release"), bytes.NewReader(sig), nil); err != nil {
				t.Fatalf("signature: %v", err)
			}
			evs, _, _ := e.store.ListAudit(ctx, ports.AuditFilter{Action: "signing.sign"}, ports.Page{Limit: 10})
			if len(evs) != 1 || evs[0].Actor != "alice" || !strings.Contains(evs[0].Detail, k.ID) || evs[0].Target != "repository:apt" {
				t.Errorf("audit of the signature: %+v", evs)
			}

			// Rotate: the repository follows; the old key stays published.
			var nk keyJSON
			e.doJSON("POST", "/api/v1/signing/keys/"+k.ID+"/rotate", e.token, nil, 201, &nk)
			e.doJSON("GET", "/api/v1/signing/repositories/apt/config", e.token, nil, 200, &cfg)
			if nk.ID == k.ID || cfg.KeyID != nk.ID || nk.Algorithm != "rsa3072" {
				t.Fatalf("rotate: %+v, config %+v", nk, cfg)
			}
			var old keyJSON
			e.doJSON("GET", "/api/v1/signing/keys/"+k.ID, e.token, nil, 200, &old)
			if old.Status != ports.KeyRetired || old.ReplacedBy != nk.ID {
				t.Errorf("old after rotate: %+v", old)
			}
			if resp, _ := e.do("GET", "/api/v1/signing/keys/"+k.ID+"/public", "", nil); resp.StatusCode != 200 {
				t.Errorf("retired public: %d", resp.StatusCode)
			}
			e.doJSON("POST", "/api/v1/signing/keys/"+k.ID+"/rotate", e.token, nil, 409, nil)
			e.doJSON("PUT", "/api/v1/signing/repositories/apt/config", e.token, map[string]string{"key_id": k.ID}, 400, nil)

			// Revoke: nothing signs, the public key is gone.
			e.doJSON("POST", "/api/v1/signing/keys/"+nk.ID+"/revoke", e.token, nil, 200, nil)
			if _, err := svc.Sign(ctx, "apt", ports.Subject{Username: "x"}, ports.SignPGPClear, []byte("d")); err != ports.ErrNoSigningKey {
				t.Errorf("revoked key signs: %v", err)
			}
			if resp, _ := e.do("GET", "/api/v1/signing/keys/"+nk.ID+"/public", "", nil); resp.StatusCode != 404 {
				t.Errorf("revoked public: %d", resp.StatusCode)
			}
			raw = e.doJSON("GET", "/api/v1/signing/keys", e.token, nil, 200, nil)
			noPrivate(t, raw)
			e.doJSON("DELETE", "/api/v1/signing/keys/"+ik.ID, e.token, nil, 204, nil)
			e.doJSON("DELETE", "/api/v1/signing/keys/"+ik.ID, e.token, nil, 404, nil)
		})
	}
}

// noPrivate fails when an answer carries private key material.
func noPrivate(t *testing.T, b []byte) {
	t.Helper()
	for _, s := range []string{"PRIVATE KEY", "sealed", "keeper-sealed"} {
		if bytes.Contains(b, []byte(s)) {
			t.Fatalf("answer contains %q: %s", s, b)
		}
	}
}

// TestSigningRepositoriesList: GET /signing/repositories lists which key
// signs each repository (the signing-keys page shows it per key): it
// follows a configuration, a rotation and a revocation; non-admins get
// 403 and anonymous callers 401.
func TestSigningRepositoriesList(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			e, _ := signingEnv(t, dsn(t))
			for _, r := range []string{"apt", "rpm", "plain"} {
				e.createRepo(map[string]any{"key": r, "format": "generic", "repo_type": "local"})
			}
			type list struct {
				Items []struct {
					Repository string `json:"repository"`
					KeyID      string `json:"key_id"`
				} `json:"items"`
			}
			assigned := func() map[string]string {
				var l list
				e.doJSON("GET", "/api/v1/signing/repositories", e.token, nil, 200, &l)
				m := map[string]string{}
				for _, it := range l.Items {
					m[it.Repository] = it.KeyID
				}
				return m
			}
			if m := assigned(); len(m) != 0 {
				t.Fatalf("before any key: %v", m)
			}
			var a, b keyJSON
			e.doJSON("POST", "/api/v1/signing/keys", e.token, map[string]any{"name": "a"}, 201, &a)
			e.doJSON("POST", "/api/v1/signing/keys", e.token, map[string]any{"name": "b"}, 201, &b)
			e.doJSON("PUT", "/api/v1/signing/repositories/apt/config", e.token, map[string]string{"key_id": a.ID}, 200, nil)
			e.doJSON("PUT", "/api/v1/signing/repositories/rpm/config", e.token, map[string]string{"key_id": b.ID}, 200, nil)
			if m := assigned(); len(m) != 2 || m["apt"] != a.ID || m["rpm"] != b.ID {
				t.Fatalf("configured: %v", m)
			}
			var na keyJSON
			e.doJSON("POST", "/api/v1/signing/keys/"+a.ID+"/rotate", e.token, nil, 201, &na)
			if m := assigned(); m["apt"] != na.ID || m["rpm"] != b.ID {
				t.Fatalf("after rotation: %v (new key %s)", m, na.ID)
			}
			e.doJSON("POST", "/api/v1/signing/keys/"+b.ID+"/revoke", e.token, nil, 200, nil)
			if m := assigned(); len(m) != 1 || m["apt"] != na.ID {
				t.Fatalf("after revocation: %v", m)
			}

			_, bob := e.addUser("bob", nil)
			if resp, _ := e.do("GET", "/api/v1/signing/repositories", bob, nil); resp.StatusCode != 403 {
				t.Errorf("bob: %d, want 403", resp.StatusCode)
			}
			if resp, _ := e.do("GET", "/api/v1/signing/repositories", "", nil); resp.StatusCode != 401 {
				t.Errorf("anonymous: %d, want 401", resp.StatusCode)
			}
		})
	}
}
