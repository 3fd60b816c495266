package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// outageUsers and outageTokens answer with err (a database that went away)
// or, with err == nil, as stores that know nothing.
type outageUsers struct {
	ports.UserStore
	err error
}

func (f outageUsers) GetUser(context.Context, int64) (ports.User, error) { return f.lookup() }
func (f outageUsers) GetUserByName(context.Context, string) (ports.User, error) {
	return f.lookup()
}

func (f outageUsers) lookup() (ports.User, error) {
	if f.err != nil {
		return ports.User{}, f.err
	}
	return ports.User{}, ports.ErrNotFound
}

type outageTokens struct {
	ports.TokenStore
	err error
}

func (f outageTokens) GetTokenByPrefix(context.Context, string) (ports.APIToken, error) {
	if f.err != nil {
		return ports.APIToken{}, f.err
	}
	return ports.APIToken{}, ports.ErrNotFound
}

// countingAttempts fails the test if a failure is counted.
type countingAttempts struct{ fails int }

func (a *countingAttempts) LoginAttempts(_ context.Context, _ string, names ...string) ([]LoginAttempts, error) {
	return make([]LoginAttempts, len(names)), nil
}
func (a *countingAttempts) FailLogin(context.Context, string, string, time.Time, time.Duration, func(int) time.Duration) (LoginAttempts, error) {
	a.fails++
	return LoginAttempts{}, nil
}
func (a *countingAttempts) ClearLogin(context.Context, string, string) error { return nil }

// TestStoreOutageIsNotABadCredential: while the database cannot answer,
// every credential check fails with ports.ErrUnavailable (503 + Retry-After),
// not as a wrong token or password (401), and no failure is counted against
// the account; only ports.ErrNotFound means the credential is bad (issue 22.7).
func TestStoreOutageIsNotABadCredential(t *testing.T) {
	jwtFor := func(t *testing.T, s *Service) string {
		tok, err := signJWT(s.key, Claims{Subject: "ann", UserID: 7, Type: "access",
			IssuedAt: time.Now().Unix(), ExpiresAt: time.Now().Add(time.Minute).Unix()})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	apiToken := TokenPrefix + "abcdefabcdef_" + "0123456789abcdef0123456789abcdef0123456789abcdef"
	outages := map[string]error{
		"connection refused": errors.New("dial tcp 127.0.0.1:5432: connect: connection refused"),
		"unavailable":        ports.ErrUnavailable,
	}
	for name, outage := range outages {
		for _, tc := range []struct {
			what  string
			check func(s *Service) error
		}{
			{"api token", func(s *Service) error { _, err := s.PrincipalFromBearer(t.Context(), apiToken); return err }},
			{"session jwt", func(s *Service) error { _, err := s.PrincipalFromBearer(t.Context(), jwtFor(t, s)); return err }},
			{"basic password", func(s *Service) error {
				_, err := s.PrincipalFromBasic(t.Context(), "ann", "secret-password")
				return err
			}},
			{"login", func(s *Service) error { _, err := s.Login(t.Context(), "ann", "secret-password"); return err }},
		} {
			t.Run(name+"/"+tc.what, func(t *testing.T) {
				for _, down := range []bool{true, false} {
					var err error
					if down {
						err = outage
					}
					attempts := &countingAttempts{}
					s, serr := NewService(t.Context(), outageUsers{err: err}, outageTokens{err: err}, fakeSettings{},
						&countingHasher{}, ports.SystemClock{}, Options{AccessTTL: time.Minute})
					if serr != nil {
						t.Fatal(serr)
					}
					s.Configure(Extras{Attempts: attempts})
					got := tc.check(s)
					bad := errors.Is(got, ErrBadToken) || errors.Is(got, ErrBadCredentials)
					switch {
					case down && (bad || !errors.Is(got, ports.ErrUnavailable)):
						t.Fatalf("database down: got %v, want ports.ErrUnavailable and no bad-credential error", got)
					case down && attempts.fails != 0:
						t.Fatalf("database down: %d failed sign-ins counted", attempts.fails)
					case !down && !bad:
						t.Fatalf("unknown credential: got %v, want a bad-credential error", got)
					}
				}
			})
		}
	}
}
