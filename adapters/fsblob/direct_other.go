//go:build !linux

package fsblob

import (
	"errors"
	"os"
)

// errNoDirect: the platform has no O_DIRECT.
var errNoDirect = errors.New("fsblob: no direct I/O on this platform")

// setDirect: no O_DIRECT here; writes stay buffered.
func setDirect(*os.File, bool) error { return errNoDirect }
