package scan

import (
	"slices"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// A jar is "group:artifact" to Trivy and "artifact" to Grype; both give it
// the same package URL (as in adapters/trivy/testdata/jar.json and
// adapters/grype/testdata/jar.json): one finding, both sources, counted once.
func TestMergeJoinsAJarAcrossScannersByPackageURL(t *testing.T) {
	trivy := ports.ScanReport{Scanner: "trivy", Findings: []ports.Finding{{ID: "CVE-2099-0003", Package: "com.example:vuln-demo",
		PURL: "pkg:maven/com.example/vuln-demo@1.0.0", Installed: "1.0.0", Fixed: "1.1.0", Severity: "HIGH", Title: "planted"}}}
	grype := ports.ScanReport{Scanner: "grype", Findings: []ports.Finding{{ID: "CVE-2099-0003", Package: "vuln-demo",
		PURL: "pkg:maven/com.example/vuln-demo@1.0.0?type=jar", Installed: "1.0.0", Fixed: "1.1.0", Severity: "High"}}}
	for name, reports := range map[string][]ports.ScanReport{
		"trivy first": {trivy, grype},
		"grype first": {grype, trivy},
	} {
		t.Run(name, func(t *testing.T) {
			got := Merge(reports)
			if len(got) != 1 {
				t.Fatalf("merged into %d findings, want 1: %+v", len(got), got)
			}
			f := got[0]
			if f.ID != "CVE-2099-0003" || f.Package != "com.example:vuln-demo" || f.Severity != "HIGH" || len(f.Aliases) != 0 ||
				!slices.Equal(f.Sources, []string{"grype", "trivy"}) || f.PURL == "" {
				t.Fatalf("joined finding %+v", f)
			}
			if c := Count(got); c != (Counts{High: 1}) || Score(c) != 90 {
				t.Fatalf("counts %+v score %d, want one high (90)", c, Score(c))
			}
		})
	}
	t.Run("other package URLs stay apart", func(t *testing.T) {
		other := ports.ScanReport{Scanner: "grype", Findings: []ports.Finding{{ID: "CVE-2099-0003", Package: "vuln-demo",
			PURL: "pkg:maven/org.other/vuln-demo@1.0.0", Installed: "1.0.0", Severity: "HIGH"}}}
		if got := Merge([]ports.ScanReport{trivy, other}); len(got) != 2 {
			t.Fatalf("merged into %d findings, want 2: %+v", len(got), got)
		}
	})
}
