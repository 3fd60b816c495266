package bunstore

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

// policyRow mirrors casbin_rules (migrations/*/0002_identity.up.sql): the
// column layout casbin's adapters use, p rules as (subject, object, action,
// effect) in v0..v3 and g rules as (member, group) in v0..v1.
type policyRow struct {
	bun.BaseModel `bun:"table:casbin_rules,alias:cr"`

	ID    int64  `bun:"id,pk,autoincrement"`
	PType string `bun:"ptype,notnull"`
	V0    string `bun:"v0,notnull"`
	V1    string `bun:"v1,notnull"`
	V2    string `bun:"v2,notnull"`
	V3    string `bun:"v3,notnull"`
	V4    string `bun:"v4,notnull"`
	V5    string `bun:"v5,notnull"`
}

func policyRowOf(r ports.PolicyRule) policyRow {
	if r.Kind == "g" {
		return policyRow{PType: "g", V0: r.Subject, V1: r.Object}
	}
	return policyRow{PType: "p", V0: r.Subject, V1: r.Object, V2: r.Action, V3: r.Effect}
}

func (r policyRow) rule() ports.PolicyRule {
	if r.PType == "g" {
		return ports.PolicyRule{Kind: "g", Subject: r.V0, Object: r.V1}
	}
	return ports.PolicyRule{Kind: "p", Subject: r.V0, Object: r.V1, Action: r.V2, Effect: r.V3}
}

var _ ports.PolicyStore = (*Store)(nil)

// PolicyVersion returns the stored policy version (0: never written).
func (s *Store) PolicyVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.db.NewSelect().Table("policy_state").Column("version").Where("id = 1").Scan(ctx, &v)
	return v, wrap("policy version", err)
}

// LoadRules returns every rule in stored order and the version, read in one transaction.
func (s *Store) LoadRules(ctx context.Context) ([]ports.PolicyRule, int64, error) {
	var rows []policyRow
	var v int64
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Table("policy_state").Column("version").Where("id = 1").Scan(ctx, &v); err != nil {
			return err
		}
		return tx.NewSelect().Model(&rows).OrderExpr("id").Scan(ctx)
	})
	if err != nil {
		return nil, 0, wrap("load rules", err)
	}
	out := make([]ports.PolicyRule, len(rows))
	for i, r := range rows {
		out[i] = r.rule()
	}
	return out, v, nil
}

// ReplaceRules swaps the whole rule set and bumps the version in one transaction.
func (s *Store) ReplaceRules(ctx context.Context, rules []ports.PolicyRule) (int64, error) {
	var v int64
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		v, err = replaceRules(ctx, tx, rules)
		return err
	})
	return v, wrap("replace rules", err)
}

// SeedDefaults stores rules if the policy was never written (version 0);
// concurrent replicas serialise on the policy_state row.
func (s *Store) SeedDefaults(ctx context.Context, rules []ports.PolicyRule) (bool, error) {
	seeded := false
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		v, err := bumpPolicy(ctx, tx, 0)
		if err != nil || v != 0 {
			return err
		}
		_, err = replaceRules(ctx, tx, rules)
		seeded = err == nil
		return err
	})
	return seeded, wrap("seed policy", err)
}

// bumpPolicy adds delta to the version (taking the row lock) and returns the new value.
func bumpPolicy(ctx context.Context, tx bun.Tx, delta int64) (int64, error) {
	if _, err := tx.ExecContext(ctx, "UPDATE policy_state SET version = version + ? WHERE id = 1", delta); err != nil {
		return 0, err
	}
	var v int64
	err := tx.NewSelect().Table("policy_state").Column("version").Where("id = 1").Scan(ctx, &v)
	return v, err
}

func replaceRules(ctx context.Context, tx bun.Tx, rules []ports.PolicyRule) (int64, error) {
	if _, err := tx.NewDelete().Model((*policyRow)(nil)).Where("1 = 1").Exec(ctx); err != nil {
		return 0, err
	}
	if len(rules) > 0 {
		rows := make([]policyRow, len(rules))
		for i, r := range rules {
			rows[i] = policyRowOf(r)
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return 0, err
		}
	}
	return bumpPolicy(ctx, tx, 1)
}
