// Package totp generates and checks RFC 6238 time-based one-time passwords
// (github.com/pquerna/otp) for core/auth's two-factor sign-in.
package totp
