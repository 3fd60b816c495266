package bunstore_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// testUserForSignIn: the one-statement read of a password check returns the
// user, its two-factor state and the failure records of the source, the
// same as the separate reads would.
func testUserForSignIn(t *testing.T, s *bunstore.Store) {
	ctx := t.Context()
	now := time.Now().Truncate(time.Second)
	u := ports.User{Username: "ann", PasswordHash: "h", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	got, own, anyAcct, err := s.UserForSignIn(ctx, "ann", "10.0.0.1", "*")
	if err != nil || got.ID != u.ID || got.TwoFactor != ports.TwoFactorOff || own.Failures != 0 || !own.LockedUntil.IsZero() || !anyAcct.LockedUntil.IsZero() {
		t.Fatalf("fresh user: %+v %+v %+v %v", got, own, anyAcct, err)
	}
	lock := func(n int) time.Duration {
		if n >= 2 {
			return time.Hour
		}
		return 0
	}
	for _, name := range []string{"ann", "ann", "*", "*"} {
		if _, err := s.FailLogin(ctx, name, "10.0.0.1", now, 24*time.Hour, lock); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.FailLogin(ctx, "ann", "10.0.0.2", now, 24*time.Hour, lock); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTwoFactor(ctx, auth.TwoFactor{UserID: u.ID, Secret: "s", Enabled: true, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	got, own, anyAcct, err = s.UserForSignIn(ctx, "ann", "10.0.0.1", "*")
	if err != nil || got.TwoFactor != ports.TwoFactorOn || own.Failures != 2 || !own.LockedUntil.Equal(now.Add(time.Hour)) || !anyAcct.LockedUntil.Equal(now.Add(time.Hour)) {
		t.Fatalf("after failures: %+v %+v %+v %v", got, own, anyAcct, err)
	}
	if _, _, _, err := s.UserForSignIn(ctx, "nobody", "10.0.0.1", "*"); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestUserForSignInSQLite(t *testing.T) { testUserForSignIn(t, openSQLite(t)) }

func TestUserForSignInPostgres(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run", postgresEnv)
	}
	testUserForSignIn(t, openPostgres(t))
}
