package auth

import (
	"context"

	"github.com/keeper-registry/keeper/ports"
)

type subjectKey struct{}

// Anonymous is the subject of a request that carried no credential.
var Anonymous = ports.Subject{Anonymous: true}

// WithSubject returns ctx carrying s.
func WithSubject(ctx context.Context, s ports.Subject) context.Context {
	return context.WithValue(ctx, subjectKey{}, s)
}

// SubjectFrom returns the subject carried by ctx, or Anonymous.
func SubjectFrom(ctx context.Context) ports.Subject {
	if s, ok := ctx.Value(subjectKey{}).(ports.Subject); ok {
		return s
	}
	return Anonymous
}

type mustChangeKey struct{}

// WithPasswordChangeRequired marks ctx as belonging to a caller that must
// change its password before doing anything else.
func WithPasswordChangeRequired(ctx context.Context) context.Context {
	return context.WithValue(ctx, mustChangeKey{}, true)
}

// PasswordChangeRequired reports whether ctx was marked by WithPasswordChangeRequired.
func PasswordChangeRequired(ctx context.Context) bool {
	v, _ := ctx.Value(mustChangeKey{}).(bool)
	return v
}

type mustEnrolKey struct{}

// WithTOTPEnrolmentRequired marks ctx as belonging to an administrator who
// must turn on two-factor sign-in before doing anything else.
func WithTOTPEnrolmentRequired(ctx context.Context) context.Context {
	return context.WithValue(ctx, mustEnrolKey{}, true)
}

// TOTPEnrolmentRequired reports whether ctx was marked by WithTOTPEnrolmentRequired.
func TOTPEnrolmentRequired(ctx context.Context) bool {
	v, _ := ctx.Value(mustEnrolKey{}).(bool)
	return v
}
