package scan

import (
	"errors"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func TestEvaluateGate(t *testing.T) {
	zero, two := 0, 2
	g := ports.QualityGate{Name: "release", MinGrade: "B", MaxCritical: &zero, MaxHigh: &two, DenyLicenses: []string{"GPL-3.0-only"}}
	gpl := []ports.PackageLicense{{Package: "p", License: "GPL-3.0-only"}}
	for name, c := range map[string]struct {
		status   string
		counts   Counts
		licenses []ports.PackageLicense
		want     []string
	}{
		"clean":          {ports.ScanDone, Counts{High: 2}, nil, nil},
		"not scanned":    {ports.ScanPending, Counts{}, nil, []string{"not scanned"}},
		"one critical":   {ports.ScanDone, Counts{Critical: 1}, nil, []string{"1 critical findings (at most 0)"}},
		"three high":     {ports.ScanDone, Counts{High: 3}, nil, []string{"grade C is below B", "3 high findings (at most 2)"}},
		"denied license": {ports.ScanDone, Counts{}, gpl, []string{"license GPL-3.0-only in p"}},
	} {
		got := EvaluateGate(g, c.status, c.counts, Grade(Score(c.counts)), c.licenses)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: reasons %q, want %q", name, got, c.want)
		}
	}
	if r := EvaluateGate(ports.QualityGate{Name: "any"}, ports.ScanDone, Counts{Critical: 9}, "F", gpl); len(r) != 0 {
		t.Fatalf("an empty gate failed: %v", r)
	}
}

func TestValidGate(t *testing.T) {
	neg := -1
	for _, g := range []ports.QualityGate{{Name: ""}, {Name: "Bad Name"}, {Name: "g", MinGrade: "E"},
		{Name: "g", MaxHigh: &neg}, {Name: "g", DenyLicenses: []string{"a b"}}} {
		var inv *ports.InvalidError
		if _, err := validGate(g); !errors.As(err, &inv) {
			t.Errorf("%+v accepted: %v", g, err)
		}
	}
	if _, err := validGate(ports.QualityGate{Name: "release-1", MinGrade: "A"}); err != nil {
		t.Fatal(err)
	}
}
