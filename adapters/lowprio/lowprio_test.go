//go:build linux

package lowprio

import (
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestRunLowersPriority: the program and a process it starts run at Nice
// (field 19 of /proc/<pid>/stat, read after the program was lowered).
func TestRunLowersPriority(t *testing.T) {
	var out bytes.Buffer
	cmd := exec.Command("sh", "-c", `sleep 0.3; cut -d" " -f19 /proc/$$/stat; sh -c 'cut -d" " -f19 /proc/$$/stat'`)
	cmd.Stdout = &out
	if err := Run(cmd); err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(out.String()) {
		if n, err := strconv.Atoi(f); err != nil || n != Nice {
			t.Fatalf("niceness %q, want %d (output %q)", f, Nice, out.String())
		}
	}
	if len(strings.Fields(out.String())) != 2 {
		t.Fatalf("output %q", out.String())
	}
}

// TestRunStartsInTheIdleClasses: the program and a process it starts run
// in the idle scheduling class (field 41 of /proc/<pid>/stat, the policy:
// SCHED_IDLE is 5) and the idle I/O class (ionice), from their first
// instruction; the server's own threads keep theirs.
func TestRunStartsInTheIdleClasses(t *testing.T) {
	if _, err := exec.LookPath("ionice"); err != nil {
		t.Skip("no ionice")
	}
	var out bytes.Buffer
	cmd := exec.Command("sh", "-c", `cut -d" " -f41 /proc/$$/stat; ionice -p $$; sh -c 'cut -d" " -f41 /proc/$$/stat; ionice -p $$'`)
	cmd.Stdout = &out
	if err := Run(cmd); err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(out.String()); len(got) != 4 || got[0] != "5" || got[1] != "idle" || got[2] != "5" || got[3] != "idle" {
		t.Fatalf("policy and I/O class %q, want 5 and idle twice", out.String())
	}
	// The thread that started it was not given back to the Go scheduler:
	// this one, and the others the server's goroutines run on, are normal.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	stat, err := os.ReadFile("/proc/thread-self/stat")
	if f := strings.Fields(string(stat)); err != nil || len(f) < 41 || f[40] != "0" {
		t.Fatalf("this thread's policy (%v): %s", err, stat)
	}
}
