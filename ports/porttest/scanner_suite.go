package porttest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// ScannerProgram is a ports.Scanner adapter that runs a scanner program,
// for the Scanner suite, which runs it over fake programs (shell scripts).
type ScannerProgram struct {
	// New returns the adapter running the program at path, reading at
	// most maxOutput bytes of its report and waiting at most timeout.
	New func(path string, maxOutput int64, timeout time.Duration) ports.Scanner
	// Report is a report in the program's JSON output form with one
	// finding: vulnerability id in package "p" version "1". The fake
	// program prints it inside single quotes (id may close and reopen
	// them); it must have none of its own.
	Report func(id string) string
	// Nice is the niceness the program must run at (lowprio.Nice).
	Nice int
}

// fakeProgram writes an executable shell script with body and returns its
// path.
func fakeProgram(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "scanner")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// Scanner runs the conformance suite for a ports.Scanner adapter that
// runs a program.
func Scanner(t *testing.T, p ScannerProgram) {
	const limit, patience = 64 << 10, 10 * time.Second
	target := func(t *testing.T) ports.ScanTarget {
		return ports.ScanTarget{Mode: ports.ScanRootfs, Path: t.TempDir()}
	}
	t.Run("a report is parsed into findings named after the scanner", func(t *testing.T) {
		s := p.New(fakeProgram(t, "echo '"+p.Report("CVE-2099-0001")+"'"), limit, patience)
		if s.Name() == "" || !s.Supports(ports.ScanRootfs) {
			t.Fatalf("name %q, supports rootfs %v", s.Name(), s.Supports(ports.ScanRootfs))
		}
		rep, err := s.Scan(t.Context(), target(t))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Scanner != s.Name() || len(rep.Findings) != 1 {
			t.Fatalf("report %+v", rep)
		}
		if f := rep.Findings[0]; f.ID != "CVE-2099-0001" || f.Package != "p" || f.Installed != "1" {
			t.Fatalf("finding %+v", f)
		}
	})
	t.Run("a missing program is ErrScannerMissing", func(t *testing.T) {
		_, err := p.New(filepath.Join(t.TempDir(), "absent"), limit, patience).Scan(context.Background(), target(t))
		if !errors.Is(err, ports.ErrScannerMissing) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a report over the output limit is refused", func(t *testing.T) {
		// A valid report padded with white space: only the cap refuses it.
		s := p.New(fakeProgram(t, "echo '"+p.Report("CVE-2099-0001")+"'; head -c 100000 /dev/zero | tr '\\0' ' '"), 1000, patience)
		if _, err := s.Scan(t.Context(), target(t)); err == nil {
			t.Fatal("a report over the limit was accepted")
		}
	})
	t.Run("a program past its timeout is not waited for", func(t *testing.T) {
		s := p.New(fakeProgram(t, "sleep 10"), limit, 200*time.Millisecond)
		start := time.Now()
		if _, err := s.Scan(t.Context(), target(t)); err == nil {
			t.Fatal("a scanner past its timeout was waited for")
		}
		if d := time.Since(start); d > 8*time.Second {
			t.Fatalf("returned after %s", d)
		}
	})
	t.Run("a failing program's error says what it printed last", func(t *testing.T) {
		s := p.New(fakeProgram(t, "echo starting >&2; echo 'database missing' >&2; exit 3"), limit, patience)
		if _, err := s.Scan(t.Context(), target(t)); err == nil || !strings.Contains(err.Error(), "database missing") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("the program runs at the lowest priority", func(t *testing.T) {
		if _, err := os.Stat("/proc/self/stat"); err != nil {
			t.Skip("no /proc here")
		}
		// The fake reports its niceness as the vulnerability ID.
		s := p.New(fakeProgram(t, "sleep 0.2\nn=$(cut -d\" \" -f19 /proc/$$/stat)\necho '"+p.Report("NICE-'$n'")+"'"), limit, patience)
		rep, err := s.Scan(t.Context(), target(t))
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("NICE-%d", p.Nice); len(rep.Findings) != 1 || rep.Findings[0].ID != want {
			t.Fatalf("findings %+v, want the fake's niceness %s", rep.Findings, want)
		}
	})
}
