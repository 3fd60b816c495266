package ports

import (
	"errors"
	"fmt"
)

// Sentinel errors every adapter maps its driver errors to, so core and the
// HTTP layer can decide with errors.Is without knowing the technology.
var (
	// ErrNotFound: the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the write collides with existing state (duplicate key, immutable path).
	ErrConflict = errors.New("conflict")
	// ErrDigestMismatch: content did not hash to the digest the caller promised.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrTooLarge: content exceeded a configured size limit.
	ErrTooLarge = errors.New("too large")
	// ErrInvalid: the input is malformed.
	ErrInvalid = errors.New("invalid input")
	// ErrUnavailable: the server cannot take the work right now (a backing
	// service refused or dropped the connection, a plugin's instances are
	// all busy, a module is still loading); the request may succeed when
	// retried shortly (503 + Retry-After).
	ErrUnavailable = errors.New("temporarily unavailable")
	// ErrStorageFull: the database, the blob store or a spool file ran out
	// of space (or quota) mid-write; nothing was committed, and the request
	// may succeed once an admin frees space (507 + Retry-After).
	ErrStorageFull = errors.New("storage full")
)

// ErrStale: something a write set read changed before it committed (a
// concurrent writer won); the caller may redo the whole read-modify-write.
// It matches ErrConflict too.
var ErrStale = fmt.Errorf("changed concurrently: %w", ErrConflict)

// ConflictError carries a message for the caller (no internals) and matches
// ErrConflict.
type ConflictError struct{ Message string }

func (e *ConflictError) Error() string { return e.Message }

// Is makes errors.Is(err, ErrConflict) true for every ConflictError.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// InvalidError carries a human message for bad input and matches ErrInvalid.
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Message)
}

// Is makes errors.Is(err, ErrInvalid) true for every InvalidError.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// Invalidf builds an InvalidError for field with a formatted message.
func Invalidf(field, format string, args ...any) error {
	return &InvalidError{Field: field, Message: fmt.Sprintf(format, args...)}
}
