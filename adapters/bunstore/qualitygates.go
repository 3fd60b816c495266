package bunstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.QualityGates = (*Store)(nil)

type qualityGateRow struct {
	bun.BaseModel `bun:"table:quality_gates,alias:qg"`

	Name      string `bun:"name,pk"`
	Rules     []byte `bun:"rules"`
	UpdatedAt int64  `bun:"updated_at"`
}

func (r qualityGateRow) gate() ports.QualityGate {
	g := ports.QualityGate{}
	_ = json.Unmarshal(r.Rules, &g) // written by PutQualityGate only
	g.Name, g.UpdatedAt = r.Name, fromNanos(r.UpdatedAt)
	if g.DenyLicenses == nil {
		g.DenyLicenses = []string{}
	}
	return g
}

// PutQualityGate upserts a gate.
func (s *Store) PutQualityGate(ctx context.Context, g ports.QualityGate) error {
	g.UpdatedAt = s.clock.Now()
	rules, err := json.Marshal(g)
	if err != nil {
		return wrap("put quality gate", err)
	}
	row := qualityGateRow{Name: g.Name, Rules: rules, UpdatedAt: toNanos(g.UpdatedAt)}
	_, err = s.db.NewInsert().Model(&row).On("CONFLICT (name) DO UPDATE").
		Set("rules = EXCLUDED.rules").Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	return wrap("put quality gate", err)
}

// QualityGate returns one gate.
func (s *Store) QualityGate(ctx context.Context, name string) (ports.QualityGate, error) {
	var row qualityGateRow
	if err := s.db.NewSelect().Model(&row).Where("name = ?", name).Scan(ctx); err != nil {
		return ports.QualityGate{}, wrap("quality gate", err)
	}
	return row.gate(), nil
}

// QualityGatesList lists the gates by name (at most 1000).
func (s *Store) QualityGatesList(ctx context.Context) ([]ports.QualityGate, error) {
	var rows []qualityGateRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("name").Limit(1000).Scan(ctx); err != nil {
		return nil, wrap("quality gates", err)
	}
	out := make([]ports.QualityGate, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.gate())
	}
	return out, nil
}

// DeleteQualityGate removes a gate no policy uses.
func (s *Store) DeleteQualityGate(ctx context.Context, name string) error {
	const op = "delete quality gate"
	return wrap(op, s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		n, err := tx.NewSelect().Model((*scanPolicyRow)(nil)).Where("quality_gate = ?", name).Count(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: the gate is attached to %d polic(ies)", ports.ErrConflict, n)
		}
		res, err := tx.NewDelete().Model((*qualityGateRow)(nil)).Where("name = ?", name).Exec(ctx)
		return mustAffect(op, "quality gate", res, err)
	}))
}
