package fsblob

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCleanTempRemovesFilesOfDeadProcessesAtOnce(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	host = strings.ReplaceAll(host, "-", "_")
	dead := filepath.Join(s.Root(), tmpDir, fmt.Sprintf("%s%s-%d-123", tmpPrefix, host, cmd.Process.Pid))
	mine := filepath.Join(s.Root(), tmpDir, tmpOwner+"456")
	other := filepath.Join(s.Root(), tmpDir, tmpPrefix+"otherhost-1-789")
	for _, p := range []string{dead, mine, other} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.CleanTemp(time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("CleanTemp = %d, %v; want 1 removed", n, err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Fatal("temp file of a dead process survived")
	}
	for _, p := range []string{mine, other} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("young temp file of a live or foreign process removed: %s", p)
		}
	}
}
