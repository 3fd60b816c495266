//go:build unix

package lowprio

import (
	"errors"
	"testing"
	"time"
)

// TestOutputPassesOnlyItsEnvironment: the program sees PATH and the
// command's own variables, none of ours besides.
func TestOutputPassesOnlyItsEnvironment(t *testing.T) {
	t.Setenv("KEEPER_TEST_SECRET", "leaked")
	out, err := Output(t.Context(), Command{Path: "sh", Args: []string{"-c", `echo "${KEEPER_TEST_SECRET:-none} $X"`},
		Env: []string{"X=mine"}, Timeout: 10 * time.Second, MaxOutput: 100})
	if err != nil || string(out) != "none mine\n" {
		t.Fatalf("%q, %v", out, err)
	}
	if _, err := Output(t.Context(), Command{Path: "/nonexistent/prog", Timeout: time.Second, MaxOutput: 100}); !errors.Is(err, ErrMissing) {
		t.Fatalf("missing program: %v", err)
	}
	if _, err := Output(t.Context(), Command{Path: "sh", Args: []string{"-c", "sleep 5"}, Timeout: 100 * time.Millisecond, MaxOutput: 100}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("slow program: %v", err)
	}
	if _, err := Output(t.Context(), Command{Path: "sh", Args: []string{"-c", "head -c 1000 /dev/zero"}, Timeout: 10 * time.Second, MaxOutput: 100}); !errors.Is(err, ErrOutputTooLarge) {
		t.Fatalf("loud program: %v", err)
	}
}
