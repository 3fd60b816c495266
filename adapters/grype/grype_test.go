package grype

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// testdata/wheel.json is Grype 0.121.2's JSON document for an unpacked
// wheel planted with CVE-2099-0001 (testdata/SOURCE says how it was made).
func TestParseRealDocument(t *testing.T) {
	b, err := os.ReadFile("testdata/wheel.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("findings %+v", got)
	}
	f := got[0]
	if f.ID != "CVE-2099-0001" || f.Package != "keeper-vuln-demo" || f.Installed != "1.0.0" || f.Fixed != "1.1.0" {
		t.Fatalf("finding %+v", f)
	}
	if _, err := Parse([]byte("[")); err == nil {
		t.Fatal("broken document parsed")
	}
}

func TestMissingProgramIsReportedAsMissing(t *testing.T) {
	_, err := New(Config{Path: "/nonexistent/grype"}).Scan(context.Background(), ports.ScanTarget{Mode: ports.ScanRootfs, Path: t.TempDir()})
	if !errors.Is(err, ports.ErrScannerMissing) {
		t.Fatalf("err %v", err)
	}
}

func TestOutputLimit(t *testing.T) {
	dir := t.TempDir()
	loud := dir + "/loud"
	os.WriteFile(loud, []byte("#!/bin/sh\nhead -c 100000 /dev/zero\n"), 0o755)
	if _, err := New(Config{Path: loud, MaxOutput: 1000}).Scan(t.Context(), ports.ScanTarget{Mode: ports.ScanRootfs, Path: dir}); err == nil {
		t.Fatal("a document over the limit was accepted")
	}
}

// TestScannerRunsAtLowestPriority: the program runs at lowprio.Nice (a
// fake grype reports its niceness as the vulnerability ID), so serving
// keeps the CPU while it works.
func TestScannerRunsAtLowestPriority(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	dir := t.TempDir()
	fake := dir + "/grype"
	os.WriteFile(fake, []byte(`#!/bin/sh
sleep 0.2
n=$(cut -d" " -f19 /proc/$$/stat)
echo '{"matches":[{"vulnerability":{"id":"NICE-'$n'","severity":"Low"},"artifact":{"name":"p","version":"1","type":"python"}}]}'
`), 0o755)
	rep, err := New(Config{Path: fake}).Scan(t.Context(), ports.ScanTarget{Mode: ports.ScanRootfs, Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].ID != "NICE-19" {
		t.Fatalf("findings %+v, want the fake's niceness 19", rep.Findings)
	}
}

func TestSource(t *testing.T) {
	dir := t.TempDir()
	tarball := dir + "/img.tar"
	if err := os.WriteFile(tarball, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		t    ports.ScanTarget
		want string
	}{
		{ports.ScanTarget{Mode: ports.ScanRootfs, Path: dir}, "dir:" + dir},
		{ports.ScanTarget{Mode: ports.ScanFilesystem, Path: dir}, "dir:" + dir},
		{ports.ScanTarget{Mode: ports.ScanImage, Path: dir}, "oci-dir:" + dir},
		{ports.ScanTarget{Mode: ports.ScanImage, Path: tarball}, tarball},
	} {
		if got := source(c.t); got != c.want {
			t.Errorf("source(%+v) = %q, want %q", c.t, got, c.want)
		}
	}
}

// testdata/jar.json is Grype 0.121.2's document for a planted jar
// (testdata/SOURCE): the package is the artifact id, with its package URL.
func TestParseJarDocument(t *testing.T) {
	b, err := os.ReadFile("testdata/jar.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil || len(got) != 1 {
		t.Fatalf("findings %+v: %v", got, err)
	}
	if f := got[0]; f.ID != "CVE-2099-0003" || f.Package != "vuln-demo" || f.PURL != "pkg:maven/com.example/vuln-demo@1.0.0" ||
		f.Installed != "1.0.0" || f.Fixed != "1.1.0" || len(f.Aliases) != 0 {
		t.Fatalf("finding %+v", f)
	}
}
