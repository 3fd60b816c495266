package argon2

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime/debug"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.PasswordHasher = (*Hasher)(nil)

// Hasher is an argon2id password hasher. Parameters follow RFC 9106's second
// recommended option scaled for a small server: 64 MiB, 1 pass, 2 lanes.
type Hasher struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
	// sem bounds concurrent hashes so a login burst cannot exhaust memory.
	sem       chan struct{}
	releasing atomic.Bool
}

// New returns a Hasher with the default parameters.
func New() *Hasher { return NewWithParams(1, 64*1024, 2) }

// NewWithParams returns a Hasher with explicit cost parameters (memory in
// KiB). Tests use tiny ones; hashes record their parameters, so Verify
// accepts hashes made with any.
func NewWithParams(time, memoryKiB uint32, threads uint8) *Hasher {
	return &Hasher{Time: time, Memory: memoryKiB, Threads: threads, sem: make(chan struct{}, 4)}
}

// Hash returns $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func (h *Hasher) Hash(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2: salt: %w", err)
	}
	key := h.key(password, salt, h.Time, h.Memory, h.Threads)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.Memory, h.Time, h.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// Verify checks password against a PHC string produced by Hash.
func (h *Hasher) Verify(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("argon2: not an argon2id hash")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("argon2: parameters: %w", err)
	}
	if m > 1<<20 || t > 16 || p == 0 {
		return false, fmt.Errorf("argon2: parameters out of range")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, fmt.Errorf("argon2: malformed hash")
	}
	got := h.key(password, salt, t, m, p)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func (h *Hasher) key(password string, salt []byte, t, m uint32, p uint8) []byte {
	h.sem <- struct{}{}
	defer func() { <-h.sem }()
	key := argon2.IDKey([]byte(password), salt, t, m, p, 32)
	if m >= 16*1024 && h.releasing.CompareAndSwap(false, true) {
		// The hash just used m KiB of heap that nothing keeps: hand it back to
		// the system now instead of holding it as resident memory until the
		// next garbage collection (minutes on an idle server). One at a time.
		go func() { debug.FreeOSMemory(); h.releasing.Store(false) }()
	}
	return key
}
