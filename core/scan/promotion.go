package scan

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// maxGateReasons bounds the reasons a refused promotion lists.
const maxGateReasons = 20

// CheckPromotion answers nil when the quality gate of the target
// repository's policy (its own, else the global one) passes every file of
// a promotion that carries a scan layout (indexes and other documents
// pass), judged by the source's verdicts and the target's
// acknowledgements; else a *ports.ConflictError with the gate's reasons
// per file (core/promote).
func (s *Service) CheckPromotion(ctx context.Context, by ports.Subject, from, to ports.Repository, files []ports.File) error {
	p, err := s.Policy(ctx, to.ID)
	if err != nil || p.Gate == "" {
		return err
	}
	g, err := s.cachedGate(ctx, p.Gate)
	if errors.Is(err, ports.ErrNotFound) {
		return &ports.ConflictError{Message: fmt.Sprintf("quality gate %s of %s does not exist", p.Gate, to.Key)}
	}
	if err != nil {
		return err
	}
	acks, err := s.activeAcks(ctx)
	if err != nil {
		return err
	}
	var failed []string
	for _, f := range files {
		if AliasOf(f.Metadata) != "" {
			// An alias is judged as the file it stands for (alias.go).
			t, ok, err := s.judged(ctx, f)
			if err != nil {
				return fmt.Errorf("scan: promotion gate %s: %w", f.Path, err)
			}
			if !ok {
				if len(failed) < maxGateReasons {
					failed = append(failed, f.Path+": stands for "+AliasOf(f.Metadata)+", which is no longer stored")
				}
				continue
			}
			f = t
		}
		if !HasLayout(f.Metadata) {
			continue
		}
		sf, err := s.d.Records.ScannedFile(ctx, from.ID, f.Path)
		if err != nil {
			return fmt.Errorf("scan: promotion gate %s: %w", f.Path, err)
		}
		open := Open(sf.Result.Findings, to.ID, acks)
		c := Count(open)
		reasons := EvaluateGate(g, sf.Result.Status, c, Grade(Score(c)), sf.Result.Licenses)
		sig, err := s.signatureReasons(ctx, g, from, f)
		if err != nil {
			return err
		}
		reasons = append(reasons, sig...)
		if len(reasons) > 0 && len(failed) < maxGateReasons {
			failed = append(failed, f.Path+": "+strings.Join(reasons, ", "))
		}
	}
	if len(failed) == 0 {
		return nil
	}
	msg := fmt.Sprintf("quality gate %s of %s fails: %s", g.Name, to.Key, strings.Join(failed, "; "))
	s.d.Audit.By(ctx, by, "security.promotion.blocked", from.Key+" -> "+to.Key, audit.Denied, msg)
	return &ports.ConflictError{Message: msg}
}
