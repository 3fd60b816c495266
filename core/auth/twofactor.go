package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// OneTimePasswords generates and checks RFC 6238 codes (adapters/totp).
type OneTimePasswords interface {
	// Generate makes a secret for account and its otpauth:// URI.
	Generate(issuer, account string) (secret, uri string, err error)
	// Check reports whether code belongs to a step near at and later than
	// after, and which step.
	Check(secret, code string, at time.Time, after int64) (step int64, ok bool)
}

// TwoFactor is a user's TOTP enrolment: pending until confirmed with a code.
type TwoFactor struct {
	UserID  int64
	Secret  string
	Enabled bool
	// Recovery holds the SHA-256 (hex) of each unused recovery code.
	Recovery []string
	// LastStep is the last accepted TOTP step; a code is never accepted twice.
	LastStep  int64
	CreatedAt time.Time
}

// TwoFactorStore persists enrolments; a missing one is ports.ErrNotFound.
type TwoFactorStore interface {
	GetTwoFactor(ctx context.Context, userID int64) (TwoFactor, error)
	PutTwoFactor(ctx context.Context, t TwoFactor) error
	DeleteTwoFactor(ctx context.Context, userID int64) error
}

// ErrSecondFactor: the account signs in with a one-time code, and none (or
// a wrong one) was given. Password-only carriers (Basic, npm login) are
// refused for such accounts; they use API tokens.
var ErrSecondFactor = fmt.Errorf("%w: a one-time code from your authenticator app (or a recovery code) is required", ErrBadCredentials)

// ErrTwoFactorOff: the server was started without two-factor support.
var ErrTwoFactorOff = errors.New("two-factor sign-in is not available on this server")

// TwoFactorAvailable reports whether two-factor sign-in is wired.
func (s *Service) TwoFactorAvailable() bool { return s.twoFactorOn() }

// recoveryCodes is how many single-use recovery codes an enrolment gets.
const recoveryCodes = 10

// totpIssuer names Keeper in authenticator apps.
const totpIssuer = "Keeper"

// twoFactorOn reports whether two-factor sign-in is wired.
func (s *Service) twoFactorOn() bool { return s.twoFactor != nil && s.otp != nil }

// enrolment returns the user's confirmed enrolment, if any.
func (s *Service) enrolment(ctx context.Context, userID int64) (TwoFactor, bool, error) {
	return s.enrolmentOf(ctx, ports.User{ID: userID})
}

// enrolmentOf is enrolment for a user just read: a store that says two-factor
// sign-in is off spares the read.
func (s *Service) enrolmentOf(ctx context.Context, u ports.User) (TwoFactor, bool, error) {
	if !s.twoFactorOn() || u.TwoFactor == ports.TwoFactorOff {
		return TwoFactor{}, false, nil
	}
	userID := u.ID
	t, err := s.twoFactor.GetTwoFactor(ctx, userID)
	if errors.Is(err, ports.ErrNotFound) {
		return t, false, nil
	}
	if err != nil {
		return t, false, lookupFailed("two-factor state", err)
	}
	return t, t.Enabled, nil
}

// TwoFactorStatus reports whether the user has two-factor sign-in on, how
// many recovery codes remain, and whether the server requires it of them.
func (s *Service) TwoFactorStatus(ctx context.Context, u ports.User) (enabled bool, recoveryLeft int, required bool, err error) {
	t, on, err := s.enrolment(ctx, u.ID)
	return on, len(t.Recovery), s.requireAdminTOTP && u.IsAdmin, err
}

// BeginTwoFactor starts (or restarts) an enrolment and returns the secret and
// its otpauth:// URI; it takes effect once confirmed with a code.
func (s *Service) BeginTwoFactor(ctx context.Context, sub ports.Subject) (secret, uri string, err error) {
	if !s.twoFactorOn() {
		return "", "", ErrTwoFactorOff
	}
	if _, on, err := s.enrolment(ctx, sub.UserID); err != nil {
		return "", "", err
	} else if on {
		return "", "", fmt.Errorf("auth: two-factor sign-in is already on; turn it off first: %w", ports.ErrConflict)
	}
	secret, uri, err = s.otp.Generate(totpIssuer, sub.Username)
	if err != nil {
		return "", "", err
	}
	if err := s.twoFactor.PutTwoFactor(ctx, TwoFactor{UserID: sub.UserID, Secret: secret, CreatedAt: s.clock.Now()}); err != nil {
		return "", "", fmt.Errorf("auth: store enrolment: %w", err)
	}
	return secret, uri, nil
}

// ConfirmTwoFactor turns two-factor sign-in on with a first code and returns
// the recovery codes (shown once).
func (s *Service) ConfirmTwoFactor(ctx context.Context, sub ports.Subject, code string) ([]string, error) {
	if !s.twoFactorOn() {
		return nil, ErrTwoFactorOff
	}
	t, err := s.twoFactor.GetTwoFactor(ctx, sub.UserID)
	if errors.Is(err, ports.ErrNotFound) || (err == nil && t.Enabled) {
		return nil, ports.Invalidf("code", "start an enrolment first (POST /api/v1/users/me/totp)")
	}
	if err != nil {
		return nil, fmt.Errorf("auth: two-factor state: %w", err)
	}
	step, ok := s.otp.Check(t.Secret, strings.TrimSpace(code), s.clock.Now(), t.LastStep)
	if !ok {
		return nil, ports.Invalidf("code", "does not match; check the authenticator app's clock and try the current code")
	}
	codes := make([]string, recoveryCodes)
	t.Recovery = make([]string, recoveryCodes)
	for i := range codes {
		b := make([]byte, 5)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		h := hex.EncodeToString(b)
		codes[i] = h[:5] + "-" + h[5:]
		t.Recovery[i] = hashRecovery(codes[i])
	}
	t.Enabled, t.LastStep = true, step
	if err := s.twoFactor.PutTwoFactor(ctx, t); err != nil {
		return nil, fmt.Errorf("auth: store enrolment: %w", err)
	}
	s.record(ctx, sub.Username, sub.UserID, "auth.totp.enable", audit.Success, "")
	s.CredentialsChanged(ctx, "two-factor enabled")
	return codes, nil
}

// DisableTwoFactor turns two-factor sign-in off, proven with a code.
func (s *Service) DisableTwoFactor(ctx context.Context, sub ports.Subject, code string) error {
	t, on, err := s.enrolment(ctx, sub.UserID)
	if err != nil {
		return err
	}
	if on {
		if err := s.verifySecondFactor(ctx, t, sub.Username, code); err != nil {
			return err
		}
	}
	if err := s.twoFactor.DeleteTwoFactor(ctx, sub.UserID); err != nil && !errors.Is(err, ports.ErrNotFound) {
		return fmt.Errorf("auth: disable two-factor: %w", err)
	}
	s.record(ctx, sub.Username, sub.UserID, "auth.totp.disable", audit.Success, "")
	return nil
}

// ResetTwoFactor removes a user's enrolment (an administrator's reset for a
// lost device); the user signs in with the password alone and enrols again.
func (s *Service) ResetTwoFactor(ctx context.Context, actor ports.Subject, u ports.User) error {
	if !s.twoFactorOn() {
		return ErrTwoFactorOff
	}
	if err := s.twoFactor.DeleteTwoFactor(ctx, u.ID); err != nil && !errors.Is(err, ports.ErrNotFound) {
		return fmt.Errorf("auth: reset two-factor: %w", err)
	}
	s.audit.By(ctx, actor, "auth.totp.reset", u.Username, audit.Success, "by administrator")
	return nil
}

// verifySecondFactor accepts a current TOTP code (each step once) or an
// unused recovery code (then spent); a failure counts like a wrong password.
func (s *Service) verifySecondFactor(ctx context.Context, t TwoFactor, username, code string) error {
	code = strings.TrimSpace(code)
	if code == "" {
		return ErrSecondFactor
	}
	if step, ok := s.otp.Check(t.Secret, code, s.clock.Now(), t.LastStep); ok {
		t.LastStep = step
		if err := s.twoFactor.PutTwoFactor(ctx, t); err != nil {
			return fmt.Errorf("auth: record code use: %w", err)
		}
		return nil
	}
	h := hashRecovery(code)
	for i, r := range t.Recovery {
		if subtle.ConstantTimeCompare([]byte(r), []byte(h)) == 1 {
			t.Recovery = slices.Delete(t.Recovery, i, i+1)
			if err := s.twoFactor.PutTwoFactor(ctx, t); err != nil {
				return fmt.Errorf("auth: spend recovery code: %w", err)
			}
			s.record(ctx, username, t.UserID, "auth.totp.recovery", audit.Success, fmt.Sprintf("%d recovery codes left", len(t.Recovery)))
			return nil
		}
	}
	s.countFailure(ctx, username, t.UserID)
	s.record(ctx, username, t.UserID, "auth.totp", audit.Failure, "wrong one-time code")
	return ErrSecondFactor
}

// passwordOnlyAllowed refuses password-only carriers (Basic, npm login) for
// accounts that sign in with a second factor, or must enrol in one.
func (s *Service) passwordOnlyAllowed(ctx context.Context, u ports.User) error {
	if !s.twoFactorOn() {
		return nil
	}
	_, on, err := s.enrolmentOf(ctx, u)
	if err != nil {
		return err
	}
	if on || (s.requireAdminTOTP && u.IsAdmin) {
		return ErrSecondFactor
	}
	return nil
}

func hashRecovery(code string) string {
	code = strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}
