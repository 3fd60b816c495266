package scan

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// GateResult is a quality gate's verdict on one artifact.
type GateResult struct {
	Gate       string   `json:"gate"`
	Repository string   `json:"repository"`
	Path       string   `json:"path"`
	Pass       bool     `json:"pass"`
	Reasons    []string `json:"reasons"`
	Grade      string   `json:"grade"`
	Counts     Counts   `json:"counts"`
}

// EvaluateGate answers the reasons g fails an artifact with the given
// verdict status, open-finding counts, grade and licenses (none: it passes).
func EvaluateGate(g ports.QualityGate, status string, c Counts, grade string, licenses []ports.PackageLicense) []string {
	reasons := []string{}
	if status != ports.ScanDone {
		return append(reasons, "not scanned")
	}
	if g.MinGrade != "" && gradeRank(grade) < gradeRank(g.MinGrade) {
		reasons = append(reasons, fmt.Sprintf("grade %s is below %s", grade, g.MinGrade))
	}
	if g.MaxCritical != nil && c.Critical > *g.MaxCritical {
		reasons = append(reasons, fmt.Sprintf("%d critical findings (at most %d)", c.Critical, *g.MaxCritical))
	}
	if g.MaxHigh != nil && c.High > *g.MaxHigh {
		reasons = append(reasons, fmt.Sprintf("%d high findings (at most %d)", c.High, *g.MaxHigh))
	}
	if l, id := deniedLicense(g.DenyLicenses, licenses); l != nil {
		reasons = append(reasons, fmt.Sprintf("license %s in %s", id, l.Package))
	}
	return reasons
}

// gradeRank orders grades, A highest.
func gradeRank(g string) int { return strings.Index("FEDCBA", strings.ToUpper(g)) }

var gateName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// validGate checks a gate's rules.
func validGate(g ports.QualityGate) (ports.QualityGate, error) {
	if !gateName.MatchString(g.Name) {
		return g, ports.Invalidf("name", "use 1 to 64 lowercase letters, digits, '.', '_' or '-'")
	}
	if g.MinGrade != "" && (len(g.MinGrade) != 1 || !strings.Contains("ABCDF", g.MinGrade)) {
		return g, ports.Invalidf("min_grade", "%q is not one of A, B, C, D, F", g.MinGrade)
	}
	for field, v := range map[string]*int{"max_critical": g.MaxCritical, "max_high": g.MaxHigh} {
		if v != nil && (*v < 0 || *v > 1_000_000) {
			return g, ports.Invalidf(field, "must be between 0 and 1000000")
		}
	}
	deny, err := ValidLicenses(g.DenyLicenses)
	g.DenyLicenses = deny
	return g, err
}

// PutGate creates or replaces a quality gate.
func (s *Service) PutGate(ctx context.Context, by ports.Subject, g ports.QualityGate) (ports.QualityGate, error) {
	g, err := validGate(g)
	if err != nil {
		return g, err
	}
	err = s.d.Settings.PutQualityGate(ctx, g)
	s.d.Audit.By(ctx, by, "security.gate.set", g.Name, outcome(err), "")
	if err != nil {
		return g, fmt.Errorf("scan: put gate: %w", err)
	}
	s.Forget()
	return s.d.Settings.QualityGate(ctx, g.Name)
}

// DeleteGate removes a quality gate no policy uses.
func (s *Service) DeleteGate(ctx context.Context, by ports.Subject, name string) error {
	err := s.d.Settings.DeleteQualityGate(ctx, name)
	s.d.Audit.By(ctx, by, "security.gate.delete", name, outcome(err), "")
	s.Forget()
	if err != nil {
		return fmt.Errorf("scan: delete gate %q: %w", name, err)
	}
	return nil
}

// Gate returns one quality gate.
func (s *Service) Gate(ctx context.Context, name string) (ports.QualityGate, error) {
	g, err := s.d.Settings.QualityGate(ctx, name)
	if err != nil {
		return g, fmt.Errorf("scan: gate %q: %w", name, err)
	}
	return g, nil
}

// Gates lists the quality gates.
func (s *Service) Gates(ctx context.Context) ([]ports.QualityGate, error) {
	return s.d.Settings.QualityGatesList(ctx)
}

// Evaluate runs the named gate over one stored artifact.
func (s *Service) Evaluate(ctx context.Context, name, repoKey, path string) (GateResult, error) {
	g, err := s.Gate(ctx, name)
	if err != nil {
		return GateResult{}, err
	}
	rep, err := s.Artifact(ctx, repoKey, path)
	if err != nil {
		return GateResult{}, err
	}
	reasons := EvaluateGate(g, rep.Status, rep.Counts, rep.Grade, rep.Licenses)
	if g.RequireSignature {
		repo, err := s.repo(ctx, repoKey)
		if err != nil {
			return GateResult{}, err
		}
		f, err := s.d.Files.GetFile(ctx, repo.ID, path)
		if err != nil {
			return GateResult{}, fmt.Errorf("scan: gate %s: %w", path, err)
		}
		r, err := s.signatureReasons(ctx, g, repo, f)
		if err != nil {
			return GateResult{}, err
		}
		reasons = append(reasons, r...)
	}
	return GateResult{Gate: g.Name, Repository: repoKey, Path: path, Pass: len(reasons) == 0, Reasons: reasons,
		Grade: rep.Grade, Counts: rep.Counts}, nil
}

// gateRefusal is why the repository's attached gate refuses a download
// ("" when there is none or it passes). A gate deleted meanwhile cannot
// be (policies keep it), so a missing one is an error.
func (s *Service) gateRefusal(ctx context.Context, p ports.ScanPolicy, sf ports.ScannedFile, open []ports.Finding) (string, error) {
	if p.Gate == "" {
		return "", nil
	}
	g, err := s.cachedGate(ctx, p.Gate)
	if errors.Is(err, ports.ErrNotFound) {
		return "blocked by quality gate " + p.Gate + ": the gate does not exist", nil
	}
	if err != nil {
		return "", err
	}
	c := Count(open)
	reasons := EvaluateGate(g, sf.Result.Status, c, Grade(Score(c)), sf.Result.Licenses)
	if len(reasons) == 0 {
		return "", nil
	}
	return "blocked by quality gate " + g.Name + ": " + strings.Join(reasons, "; "), nil
}
