package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

// Advisory is one planted vulnerability: packages of Ecosystem named Package
// in the Vulnerable range are affected, Fixed is the first clean version.
type Advisory struct {
	ID        string   `json:"id"`
	Aliases   []string `json:"aliases"`
	Ecosystem string   `json:"ecosystem"` // pip, npm, maven (group:artifact), cargo, go
	Package   string   `json:"package"`
	// Vulnerable is a constraint such as "<2.31.0".
	Vulnerable string `json:"vulnerable"`
	Fixed      string `json:"fixed"`
	Severity   string `json:"severity"` // CRITICAL, HIGH, MEDIUM, LOW
	Title      string `json:"title"`
}

func main() {
	adv := flag.String("advisories", "", "JSON file with a list of advisories")
	trivyDir := flag.String("trivy", "", "Trivy cache directory to write (db/, java-db/)")
	grypeDir := flag.String("grype", "", "directory to write Grype's vulnerability.db into")
	flag.Parse()
	if err := run(*adv, *trivyDir, *grypeDir); err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
}

func run(advPath, trivyDir, grypeDir string) error {
	b, err := os.ReadFile(advPath)
	if err != nil {
		return err
	}
	var advs []Advisory
	if err := json.Unmarshal(b, &advs); err != nil {
		return fmt.Errorf("parse %s: %w", advPath, err)
	}
	for _, a := range advs {
		if a.ID == "" || a.Package == "" || a.Vulnerable == "" {
			return fmt.Errorf("advisory %q: id, package and vulnerable are required", a.ID)
		}
		if _, ok := ecosystems[a.Ecosystem]; !ok {
			return fmt.Errorf("advisory %s: unknown ecosystem %q", a.ID, a.Ecosystem)
		}
	}
	if trivyDir != "" {
		if err := writeTrivy(trivyDir, advs); err != nil {
			return fmt.Errorf("trivy: %w", err)
		}
	}
	if grypeDir != "" {
		if err := writeGrype(grypeDir, advs); err != nil {
			return fmt.Errorf("grype: %w", err)
		}
	}
	return nil
}

// ecosystem names one advisory ecosystem in each scanner's terms.
type ecosystem struct {
	grypeEcosystem, grypeVersionType string
}

var ecosystems = map[string]ecosystem{
	"pip":   {"python", "python"},
	"npm":   {"npm", "npm"},
	"maven": {"java-archive", "maven"},
	"cargo": {"rust-crate", "rust"},
	"go":    {"go-module", "go"},
}
