package signing_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/signing"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// fakeCrypto "signs" by prefixing the private key's name; keys are "priv:<n>".
type fakeCrypto struct{ n int }

func (c *fakeCrypto) Generate(algorithm, name, email string) (ports.KeyMaterial, error) {
	if algorithm != "ed25519" && algorithm != "rsa3072" {
		return ports.KeyMaterial{}, ports.ErrInvalid
	}
	c.n++
	id := strings.Repeat(string(rune('A'+c.n)), 40)
	return ports.KeyMaterial{Private: []byte("priv:" + id), PublicKey: []byte("pub:" + id), Fingerprint: id, Algorithm: algorithm, UserID: name}, nil
}

func (c *fakeCrypto) Import(p []byte) (ports.KeyMaterial, error) {
	return ports.KeyMaterial{}, ports.ErrInvalid
}

func (c *fakeCrypto) Sign(p []byte, form ports.SignForm, data []byte) ([]byte, error) {
	return append(append(append([]byte{}, p...), ':'), data...), nil
}

func (c *fakeCrypto) Public(p []byte, form ports.KeyForm) ([]byte, error) { return p, nil }

// xorSealer "seals" reversibly, so the test sees that the store never holds plaintext.
type xorSealer struct{}

func (xorSealer) Seal(p []byte, ctx string) (string, error) {
	out := make([]byte, len(p))
	for i, b := range p {
		out[i] = b ^ 0x5a
	}
	return "sealed:" + ctx + ":" + string(out), nil
}

func (xorSealer) Open(v, ctx string) ([]byte, bool, error) {
	rest, ok := strings.CutPrefix(v, "sealed:"+ctx+":")
	if !ok {
		return nil, false, errors.New("wrong context")
	}
	out := []byte(rest)
	for i := range out {
		out[i] ^= 0x5a
	}
	return out, true, nil
}

type memAudit struct{ evs []ports.AuditEvent }

func (m *memAudit) AppendAudit(_ context.Context, e *ports.AuditEvent) error {
	m.evs = append(m.evs, *e)
	return nil
}

func (m *memAudit) ListAudit(context.Context, ports.AuditFilter, ports.Page) ([]ports.AuditEvent, int, error) {
	return m.evs, len(m.evs), nil
}

func TestLifeCycle(t *testing.T) {
	ctx := t.Context()
	store, repos, log := porttest.NewMemSigningStore(), dispatchtest.NewRepos(), &memAudit{}
	for _, k := range []string{"a", "b"} {
		if err := repos.CreateRepository(ctx, &ports.Repository{Key: k, Format: "debian", Type: ports.RepoLocal}); err != nil {
			t.Fatal(err)
		}
	}
	svc := signing.New(signing.Deps{Store: store, Crypto: &fakeCrypto{}, Sealer: xorSealer{}, Repos: repos, Audit: audit.New(log, nil)})
	admin := ports.Subject{Username: "admin", IsAdmin: true}
	k, err := svc.Create(ctx, admin, signing.Spec{Name: "Apt", Algorithm: "ed25519"})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains([]byte(k.SealedPrivate), []byte("priv:")) || !strings.HasPrefix(k.Name, "apt-") {
		t.Fatalf("key %+v: private key stored in the clear or bad name", k)
	}
	if _, err := svc.Create(ctx, admin, signing.Spec{Name: "a/b", Algorithm: "ed25519"}); !errors.Is(err, ports.ErrInvalid) {
		t.Errorf("bad name: %v", err)
	}
	if _, err := svc.Sign(ctx, "a", admin, ports.SignPGPClear, []byte("x")); !errors.Is(err, ports.ErrNoSigningKey) {
		t.Errorf("unconfigured: %v", err)
	}
	if err := svc.SetRepoKey(ctx, admin, "nope", k.ID); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("unknown repository: %v", err)
	}
	for _, r := range []string{"a", "b"} {
		if err := svc.SetRepoKey(ctx, admin, r, k.ID); err != nil {
			t.Fatal(err)
		}
	}
	sig, err := svc.Sign(ctx, "a", ports.Subject{Username: "alice"}, ports.SignPGPClear, []byte("Release"))
	if err != nil || string(sig) != "priv:"+k.Fingerprint+":Release" {
		t.Fatalf("sign: %q %v", sig, err)
	}
	last := log.evs[len(log.evs)-1]
	if last.Action != "signing.sign" || last.Actor != "alice" || !strings.Contains(last.Detail, k.ID) || strings.Contains(last.Detail, "priv:") {
		t.Errorf("audit: %+v", last)
	}
	nk, err := svc.Rotate(ctx, admin, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"a", "b"} {
		if id, _ := svc.RepoKey(ctx, r); id != nk.ID {
			t.Errorf("%s after rotation: %q, want %q", r, id, nk.ID)
		}
	}
	if old, _ := svc.Get(ctx, k.ID); old.Status != ports.KeyRetired || old.ReplacedBy != nk.ID {
		t.Errorf("old key: %+v", old)
	}
	if pk, err := svc.PublicKey(ctx, "a", ports.KeyPKIXPEM); err != nil || pk.ID != nk.ID {
		t.Errorf("public key after rotation: %+v %v", pk, err)
	}
	if _, err := svc.Revoke(ctx, admin, nk.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sign(ctx, "b", admin, ports.SignPGPClear, []byte("x")); !errors.Is(err, ports.ErrNoSigningKey) {
		t.Errorf("revoked key still signs: %v", err)
	}
	if err := svc.SetRepoKey(ctx, admin, "a", nk.ID); !errors.Is(err, ports.ErrInvalid) {
		t.Errorf("configure a revoked key: %v", err)
	}
	for _, e := range log.evs {
		if strings.Contains(e.Detail, "priv:") {
			t.Errorf("audit event carries the private key: %+v", e)
		}
	}
}

// TestKeyChangesMoveTheGeneration: configuring, rotating, revoking and
// deleting a repository's key is a write to the repository (its generation
// moves), so no replica serves documents signed with the previous key from
// a cache keyed by generation.
func TestKeyChangesMoveTheGeneration(t *testing.T) {
	ctx := t.Context()
	store, repos, log := porttest.NewMemSigningStore(), dispatchtest.NewRepos(), &memAudit{}
	if err := repos.CreateRepository(ctx, &ports.Repository{Key: "a", Format: "debian", Type: ports.RepoLocal}); err != nil {
		t.Fatal(err)
	}
	files := dispatchtest.NewFiles(repos)
	svc := signing.New(signing.Deps{Store: store, Crypto: &fakeCrypto{}, Sealer: xorSealer{}, Repos: repos, Files: files, Audit: audit.New(log, nil)})
	admin := ports.Subject{Username: "admin", IsAdmin: true}
	gen := func() int64 {
		r, err := repos.GetRepository(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		return r.Generation
	}
	k, err := svc.Create(ctx, admin, signing.Spec{Name: "k", Algorithm: "ed25519"})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"configure", func() error { return svc.SetRepoKey(ctx, admin, "a", k.ID) }},
		{"rotate", func() error { nk, err := svc.Rotate(ctx, admin, k.ID); k = nk; return err }},
		{"revoke", func() error { _, err := svc.Revoke(ctx, admin, k.ID); return err }},
	}
	for _, st := range steps {
		before := gen()
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if gen() == before {
			t.Errorf("%s left the repository's generation at %d", st.name, before)
		}
	}
}
