//go:build linux

package lowprio

import (
	"bytes"
	"os/exec"
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
