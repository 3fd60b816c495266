package trivy

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/lowprio"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// A report in Trivy's JSON shape (fields as documented for 0.74.0).
func TestParse(t *testing.T) {
	b := []byte(`{"SchemaVersion":2,"Results":[{"Target":"keeper_vuln_demo-1.0.0.dist-info/METADATA","Class":"lang-pkgs","Type":"python-pkg",
	 "Vulnerabilities":[{"VulnerabilityID":"CVE-2099-0001","VendorIDs":["GHSA-kpr1-0001-0001"],"PkgName":"keeper-vuln-demo",
	 "InstalledVersion":"1.0.0","FixedVersion":"1.1.0","Severity":"HIGH","Title":"planted"}]},{"Target":"other"}]}`)
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("findings %+v", got)
	}
	f := got[0]
	if f.ID != "CVE-2099-0001" || f.Package != "keeper-vuln-demo" || f.Installed != "1.0.0" || f.Fixed != "1.1.0" ||
		f.Severity != "HIGH" || len(f.Aliases) != 1 {
		t.Fatalf("finding %+v", f)
	}
	if _, err := Parse([]byte("{")); err == nil {
		t.Fatal("broken report parsed")
	}
}

func TestScannerSuite(t *testing.T) {
	porttest.Scanner(t, porttest.ScannerProgram{
		New: func(path string, maxOutput int64, timeout time.Duration) ports.Scanner {
			return New(Config{Path: path, MaxOutput: maxOutput, Timeout: timeout})
		},
		Report: func(id string) string {
			return `{"Results":[{"Target":"x","Vulnerabilities":[{"VulnerabilityID":"` + id + `","PkgName":"p","InstalledVersion":"1","Severity":"LOW"}]}]}`
		},
		Nice: lowprio.Nice,
	})
}

// The license scanner's results (the shape Trivy 0.74.0 writes for a
// wheel whose METADATA declares GPL-3.0-only).
func TestParseLicenses(t *testing.T) {
	b := []byte(`{"Results":[{"Class":"lang-pkgs","Vulnerabilities":[]},{"Class":"license","Licenses":[
	 {"Severity":"HIGH","Category":"restricted","PkgName":"keeper-lic","FilePath":"keeper_lic-1.0.0.dist-info/METADATA","Name":"GPL-3.0-only","Confidence":1},
	 {"PkgName":"","Name":"MIT"}]}]}`)
	_, lic, err := ParseReport(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(lic) != 1 || lic[0] != (ports.PackageLicense{Package: "keeper-lic", License: "GPL-3.0-only", Category: "restricted"}) {
		t.Fatalf("licenses %+v", lic)
	}
}

// The real Trivy, when installed, reads the license a wheel declares
// with no vulnerability database at all.
func TestRealTrivyReadsLicenses(t *testing.T) {
	prog := os.Getenv("KEEPER_TEST_TRIVY")
	if prog == "" {
		t.Skip("KEEPER_TEST_TRIVY (a trivy program) not set")
	}
	root := t.TempDir()
	os.MkdirAll(root+"/keeper_lic-1.0.0.dist-info", 0o755)
	os.WriteFile(root+"/keeper_lic-1.0.0.dist-info/METADATA", []byte("Metadata-Version: 2.1\nName: keeper-lic\nVersion: 1.0.0\nLicense: GPL-3.0-only\n\n"), 0o644)
	s := New(Config{Path: prog, CacheDir: t.TempDir()})
	spdx, err := s.SPDX(t.Context(), ports.ScanTarget{Mode: ports.ScanRootfs, Path: root})
	if err != nil || !strings.Contains(string(spdx), `"spdxVersion"`) || !strings.Contains(string(spdx), "GPL-3.0-only") {
		t.Fatalf("SPDX: %v %.300s", err, spdx)
	}
}

// testdata/jar.json is Trivy 0.74.0's report for a planted jar
// (testdata/SOURCE): the package is group:artifact, with its package URL.
func TestParseJarReport(t *testing.T) {
	b, err := os.ReadFile("testdata/jar.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil || len(got) != 1 {
		t.Fatalf("findings %+v: %v", got, err)
	}
	if f := got[0]; f.ID != "CVE-2099-0003" || f.Package != "com.example:vuln-demo" || f.PURL != "pkg:maven/com.example/vuln-demo@1.0.0" ||
		f.Installed != "1.0.0" || f.Fixed != "1.1.0" {
		t.Fatalf("finding %+v", f)
	}
}
