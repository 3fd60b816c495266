package grype

import (
	"os"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/lowprio"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
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

func TestScannerSuite(t *testing.T) {
	porttest.Scanner(t, porttest.ScannerProgram{
		New: func(path string, maxOutput int64, timeout time.Duration) ports.Scanner {
			return New(Config{Path: path, MaxOutput: maxOutput, Timeout: timeout})
		},
		Report: func(id string) string {
			return `{"matches":[{"vulnerability":{"id":"` + id + `","severity":"Low"},"artifact":{"name":"p","version":"1","type":"python"}}]}`
		},
		Nice: lowprio.Nice,
	})
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
