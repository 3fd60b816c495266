package scan

import (
	"errors"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func TestMergeLicenses(t *testing.T) {
	got := MergeLicenses([]ports.ScanReport{
		{Scanner: "trivy", Licenses: []ports.PackageLicense{{Package: "b", License: "MIT"}, {Package: "a", License: "GPL-3.0-only"}}},
		{Scanner: "grype", Licenses: []ports.PackageLicense{{Package: "B", License: "mit"}}},
	})
	if len(got) != 2 || got[0].Package != "a" || got[1].License != "MIT" {
		t.Fatalf("merged %+v", got)
	}
}

func TestLicensePolicy(t *testing.T) {
	done := func(l ...ports.PackageLicense) ports.ScannedFile {
		return ports.ScannedFile{Result: ports.ScanResult{Status: ports.ScanDone, Licenses: l}}
	}
	gpl := ports.PackageLicense{Package: "keeper-lic", License: "GPL-3.0-only"}
	p := Effective(ports.ScanPolicy{Enabled: true, DenyLicenses: []string{"agpl-3.0-only"}},
		ports.ScanPolicy{Enabled: true, DenyLicenses: []string{"GPL-3.0-only"}})
	if !Enforces(p) || len(p.DenyLicenses) != 2 {
		t.Fatalf("effective %+v", p)
	}
	for name, c := range map[string]struct {
		f      ports.ScannedFile
		ok     bool
		reason string
	}{
		"denied":                   {done(gpl), false, "blocked by license policy: GPL-3.0-only in keeper-lic"},
		"global deny, other case":  {done(ports.PackageLicense{Package: "x", License: "AGPL-3.0-ONLY"}), false, "agpl-3.0-only in x"},
		"denied inside expression": {done(ports.PackageLicense{Package: "y", License: "(MIT OR GPL-3.0-only)"}), false, "GPL-3.0-only in y"},
		"allowed":                  {done(ports.PackageLicense{Package: "z", License: "MIT"}), true, ""},
		"prefix is not the id":     {done(ports.PackageLicense{Package: "z", License: "GPL-3.0-or-later"}), true, ""},
		"no licenses":              {done(), true, ""},
	} {
		ok, reason := Decide(p, c.f, nil)
		if ok != c.ok || !strings.Contains(reason, c.reason) {
			t.Errorf("%s: Decide = %v %q, want %v %q", name, ok, reason, c.ok, c.reason)
		}
	}
}

func TestValidLicenses(t *testing.T) {
	got, err := ValidLicenses([]string{" MIT ", "mit", "LicenseRef-Internal", "GPL-2.0+"})
	if err != nil || len(got) != 3 || got[0] != "MIT" {
		t.Fatalf("ValidLicenses = %v %v", got, err)
	}
	for _, bad := range []string{"", "MIT OR GPL", "<script>", strings.Repeat("a", 65)} {
		var inv *ports.InvalidError
		if _, err := ValidLicenses([]string{bad}); !errors.As(err, &inv) {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}
