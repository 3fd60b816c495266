package auth

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// fakeUsers is the smallest ports.UserStore: one user.
type fakeUsers struct {
	ports.UserStore
	u ports.User
}

func (f *fakeUsers) GetUserByName(_ context.Context, name string) (ports.User, error) {
	if name == f.u.Username {
		return f.u, nil
	}
	return ports.User{}, ports.ErrNotFound
}

type fakeSettings struct{}

func (fakeSettings) GetOrCreateSetting(_ context.Context, _ string, def []byte) ([]byte, error) {
	return def, nil
}

// countingHasher counts verifications; "h:" + password is its hash.
type countingHasher struct{ verifies atomic.Int64 }

func (h *countingHasher) Hash(p string) (string, error) { return "h:" + p, nil }
func (h *countingHasher) Verify(hash, p string) (bool, error) {
	h.verifies.Add(1)
	return hash == "h:"+p, nil
}

// TestEveryFailureCostsTheSame: an unknown user, a disabled one and a
// wrong password each run one password verification and answer the same
// error (issue 20.13).
func TestEveryFailureCostsTheSame(t *testing.T) {
	h := &countingHasher{}
	users := &fakeUsers{u: ports.User{ID: 1, Username: "ann", PasswordHash: "h:right"}}
	s, err := NewService(t.Context(), users, nil, fakeSettings{}, h, ports.SystemClock{}, Options{AccessTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	s.Configure(Extras{VerifyCacheTTL: -1})
	s.decoyHash(t.Context()) // made once, at first use
	for _, c := range []struct{ name, user, pass string }{
		{"unknown user", "bob", "x"}, {"wrong password", "ann", "x"},
	} {
		before := h.verifies.Load()
		if _, err := s.checkPassword(t.Context(), c.user, c.pass); !errors.Is(err, ErrBadCredentials) || err.Error() != ErrBadCredentials.Error() {
			t.Errorf("%s: %v", c.name, err)
		}
		if n := h.verifies.Load() - before; n != 1 {
			t.Errorf("%s: %d verifications, want 1", c.name, n)
		}
	}
	users.u.Disabled = true
	before := h.verifies.Load()
	if _, err := s.checkPassword(t.Context(), "ann", "right"); !errors.Is(err, ErrBadCredentials) || h.verifies.Load()-before != 1 {
		t.Errorf("disabled: %v after %d verifications", err, h.verifies.Load()-before)
	}
}

func TestBackoffDoubles(t *testing.T) {
	s := &Service{lockFor: time.Minute}
	lock := s.backoff(5)
	for failures, want := range map[int]time.Duration{4: 0, 5: time.Minute, 6: 2 * time.Minute, 8: 8 * time.Minute, 60: maxLock} {
		if got := lock(failures); got != want {
			t.Errorf("%d failures: lock %s, want %s", failures, got, want)
		}
	}
}

func (f *fakeUsers) CreateUser(_ context.Context, u *ports.User) error {
	f.u = *u
	return nil
}

// TestWeakAdminPasswordMustChange: KEEPER_ADMIN_PASSWORD=a starts a server
// whose admin must choose a proper password first (issue 20.14); a good
// one does not force a change.
func TestWeakAdminPasswordMustChange(t *testing.T) {
	for pass, want := range map[string]bool{"a": true, "a-proper-long-password": false} {
		users := &fakeUsers{}
		s, err := NewService(t.Context(), users, nil, fakeSettings{}, &countingHasher{}, ports.SystemClock{}, Options{AccessTTL: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.EnsureAdmin(t.Context(), pass); err != nil {
			t.Fatal(err)
		}
		if users.u.MustChangePassword != want {
			t.Errorf("admin password %q: must change %v, want %v", pass, users.u.MustChangePassword, want)
		}
	}
}
