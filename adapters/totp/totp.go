package totp

import (
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/keeper-registry/keeper/core/auth"
)

// period and digits are what every authenticator app understands
// (RFC 6238 §4 defaults: 30-second steps, SHA-1, six digits).
const (
	period = 30
	digits = otp.DigitsSix
)

// skew accepts the code of the step before and after the current one, for
// clocks that drift and codes typed at a step's end.
const skew = 1

// Authenticator is the RFC 6238 implementation of auth.OneTimePasswords.
type Authenticator struct{}

var _ auth.OneTimePasswords = Authenticator{}

// New returns the authenticator.
func New() Authenticator { return Authenticator{} }

// Generate makes a new secret for account and its otpauth:// URI (what an
// authenticator app scans as a QR code).
func (Authenticator) Generate(issuer, account string) (secret, uri string, err error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: period, Digits: digits,
		Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", fmt.Errorf("totp: generate: %w", err)
	}
	return k.Secret(), k.URL(), nil
}

// Check reports whether code is the secret's code for a step within skew of
// at and later than after, and returns that step (for replay protection).
func (Authenticator) Check(secret, code string, at time.Time, after int64) (int64, bool) {
	if len(code) != digits.Length() {
		return 0, false
	}
	now := at.Unix() / period
	for s := now - skew; s <= now+skew; s++ {
		if s <= after {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*period, 0), totp.ValidateOpts{Period: period,
			Digits: digits, Algorithm: otp.AlgorithmSHA1})
		if err == nil && constantEqual(want, code) {
			return s, true
		}
	}
	return 0, false
}

func constantEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := range len(a) {
		v |= a[i] ^ b[i]
	}
	return v == 0
}
