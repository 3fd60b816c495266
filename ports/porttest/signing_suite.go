package porttest

import (
	"errors"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// SigningKeyStore runs the conformance suite of ports.SigningKeyStore; open
// returns an empty store.
func SigningKeyStore(t *testing.T, open func(t *testing.T) ports.SigningKeyStore) {
	at := time.Unix(1700000000, 0).UTC()
	key := func(id string, created time.Time) ports.SigningKey {
		return ports.SigningKey{ID: id, Name: "repo-" + id, Algorithm: "ed25519", Fingerprint: "FP" + id, UserID: "u",
			Status: ports.KeyActive, PublicKey: []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\n" + id), SealedPrivate: "keeper-sealed:x:" + id,
			CreatedBy: "admin", CreatedAt: created, UpdatedAt: created}
	}
	t.Run("save get list", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		if _, err := s.GetSigningKey(ctx, "nope"); !errors.Is(err, ports.ErrNotFound) {
			t.Errorf("get unknown: %v", err)
		}
		a, b := key("a", at.Add(time.Second)), key("b", at)
		for _, k := range []*ports.SigningKey{&a, &b} {
			if err := s.SaveSigningKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.GetSigningKey(ctx, "a")
		if err != nil || got.Name != "repo-a" || string(got.PublicKey) != string(a.PublicKey) || got.SealedPrivate != a.SealedPrivate ||
			got.Status != ports.KeyActive || !got.CreatedAt.Equal(a.CreatedAt) || got.Fingerprint != "FPa" {
			t.Errorf("get: %v %+v", err, got)
		}
		a.Status, a.ReplacedBy, a.UpdatedAt = ports.KeyRetired, "b", at.Add(time.Hour)
		a.SealedPrivate = "changed"
		if err := s.SaveSigningKey(ctx, &a); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetSigningKey(ctx, "a")
		if got.Status != ports.KeyRetired || got.ReplacedBy != "b" || got.SealedPrivate != "keeper-sealed:x:a" {
			t.Errorf("update: status %q replaced %q sealed %q (the private key must not change)", got.Status, got.ReplacedBy, got.SealedPrivate)
		}
		ks, err := s.ListSigningKeys(ctx)
		if err != nil || len(ks) != 2 || ks[0].ID != "b" || ks[1].ID != "a" {
			t.Errorf("list oldest first: %v %d", err, len(ks))
		}
	})
	t.Run("repositories", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		a, b := key("a", at), key("b", at)
		_ = s.SaveSigningKey(ctx, &a)
		_ = s.SaveSigningKey(ctx, &b)
		if _, err := s.RepoSigningKey(ctx, "r1"); !errors.Is(err, ports.ErrNotFound) {
			t.Errorf("unconfigured: %v", err)
		}
		if err := s.SetRepoSigningKey(ctx, "r1", "zzz"); !errors.Is(err, ports.ErrNotFound) {
			t.Errorf("unknown key: %v", err)
		}
		for _, r := range []string{"r1", "r2"} {
			if err := s.SetRepoSigningKey(ctx, r, "a"); err != nil {
				t.Fatal(err)
			}
		}
		_ = s.SetRepoSigningKey(ctx, "r3", "b")
		if err := s.SetRepoSigningKey(ctx, "r3", "a"); err != nil {
			t.Fatal(err)
		}
		_ = s.SetRepoSigningKey(ctx, "r3", "b")
		if id, err := s.RepoSigningKey(ctx, "r3"); err != nil || id != "b" {
			t.Errorf("reconfigured: %q %v", id, err)
		}
		if n, err := s.ReplaceRepoSigningKey(ctx, "a", "b"); err != nil || n != 2 {
			t.Errorf("replace: %d %v", n, err)
		}
		if id, _ := s.RepoSigningKey(ctx, "r1"); id != "b" {
			t.Errorf("r1 after replace: %q", id)
		}
		if err := s.SetRepoSigningKey(ctx, "r2", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RepoSigningKey(ctx, "r2"); !errors.Is(err, ports.ErrNotFound) {
			t.Errorf("removed: %v", err)
		}
		if n, err := s.ReplaceRepoSigningKey(ctx, "b", ""); err != nil || n != 2 {
			t.Errorf("unconfigure: %d %v", n, err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		a := key("a", at)
		_ = s.SaveSigningKey(ctx, &a)
		_ = s.SetRepoSigningKey(ctx, "r1", "a")
		if err := s.DeleteSigningKey(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetSigningKey(ctx, "a"); !errors.Is(err, ports.ErrNotFound) {
			t.Errorf("deleted key: %v", err)
		}
		if _, err := s.RepoSigningKey(ctx, "r1"); !errors.Is(err, ports.ErrNotFound) {
			t.Errorf("repository of a deleted key: %v", err)
		}
		if err := s.DeleteSigningKey(ctx, "a"); !errors.Is(err, ports.ErrNotFound) {
			t.Errorf("delete twice: %v", err)
		}
	})
}
