package main

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	v6 "github.com/anchore/grype/grype/db/v6"
)

// writeGrype writes dir/vulnerability.db with Grype's own writer; load it
// with `grype db import` (which builds the indexes a copy would lack).
func writeGrype(dir string, advs []Advisory) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	_ = os.Remove(filepath.Join(dir, v6.VulnerabilityDBFileName))
	w, err := v6.NewWriter(v6.Config{DBDirPath: dir})
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	prov := &v6.Provider{ID: "keeper-test", Version: "1", Processor: "keeper-vulndb", DateCaptured: &now}
	if err := w.AddProvider(*prov); err != nil {
		w.Close()
		return err
	}
	for _, a := range advs {
		eco := ecosystems[a.Ecosystem]
		vuln := &v6.VulnerabilityHandle{Name: a.ID, Status: v6.VulnerabilityActive, ProviderID: prov.ID, Provider: prov,
			PublishedDate: &now, ModifiedDate: &now,
			BlobValue: &v6.VulnerabilityBlob{ID: a.ID, Description: a.Title, Aliases: a.Aliases,
				Severities: []v6.Severity{{Scheme: v6.SeveritySchemeHML, Value: strings.ToLower(a.Severity), Rank: 1}}}}
		if err := w.AddVulnerabilities(vuln); err != nil {
			w.Close()
			return err
		}
		rng := v6.Range{Version: v6.Version{Type: eco.grypeVersionType, Constraint: a.Vulnerable}}
		if a.Fixed != "" {
			rng.Fix = &v6.Fix{Version: a.Fixed, State: v6.FixedStatus}
		}
		pkg := &v6.AffectedPackageHandle{Vulnerability: vuln,
			Package:   &v6.Package{Ecosystem: eco.grypeEcosystem, Name: grypeName(a)},
			BlobValue: &v6.PackageBlob{CVEs: a.Aliases, Ranges: []v6.Range{rng}}}
		if err := w.AddAffectedPackages(pkg); err != nil {
			w.Close()
			return err
		}
	}
	return w.Close()
}

// grypeName is the package name Grype matches: Python names normalized
// like Trivy's, the others kept.
func grypeName(a Advisory) string {
	if a.Ecosystem == "pip" {
		return strings.ReplaceAll(strings.ToLower(a.Package), "_", "-")
	}
	return a.Package
}
