package casbin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/core/policy"
	"github.com/keeper-registry/keeper/ports"
)

// ruleRow mirrors casbin_rules (migrations/*/0002_identity.up.sql).
type ruleRow struct {
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

func (r ruleRow) values() []string {
	vals := []string{r.V0, r.V1, r.V2, r.V3, r.V4, r.V5}
	for len(vals) > 0 && vals[len(vals)-1] == "" {
		vals = vals[:len(vals)-1]
	}
	return vals
}

func rowOf(ptype string, rule []string) ruleRow {
	r := ruleRow{PType: ptype}
	dst := []*string{&r.V0, &r.V1, &r.V2, &r.V3, &r.V4, &r.V5}
	for i, v := range rule {
		if i < len(dst) {
			*dst[i] = v
		}
	}
	return r
}

func toRow(r ports.PolicyRule) ruleRow {
	if r.Kind == "g" {
		return rowOf("g", []string{r.Subject, r.Object})
	}
	return rowOf("p", []string{r.Subject, r.Object, r.Action, r.Effect})
}

func fromRow(r ruleRow) ports.PolicyRule {
	if r.PType == "g" {
		return ports.PolicyRule{Kind: "g", Subject: r.V0, Object: r.V1}
	}
	return ports.PolicyRule{Kind: "p", Subject: r.V0, Object: r.V1, Action: r.V2, Effect: r.V3}
}

// Store keeps the rules in casbin_rules and the version in policy_state. It
// is both a ports.PolicyStore and a casbin persist.Adapter.
type Store struct {
	db *bun.DB
}

var (
	_ ports.PolicyStore = (*Store)(nil)
	_ persist.Adapter   = (*Store)(nil)
)

// NewStore returns a policy store over the metadata database (migrated).
func NewStore(db *bun.DB) *Store { return &Store{db: db} }

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("casbin: %s: %w", op, ports.ErrNotFound)
	}
	return fmt.Errorf("casbin: %s: %w", op, err)
}

// PolicyVersion returns the stored version (0: never written).
func (s *Store) PolicyVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.db.NewSelect().Table("policy_state").Column("version").Where("id = 1").Scan(ctx, &v)
	return v, wrap("policy version", err)
}

// LoadRules returns every rule in stored order and the version, read in one transaction.
func (s *Store) LoadRules(ctx context.Context) ([]ports.PolicyRule, int64, error) {
	var rows []ruleRow
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
		out[i] = fromRow(r)
	}
	return out, v, nil
}

// ReplaceRules swaps the whole rule set and bumps the version in one transaction.
func (s *Store) ReplaceRules(ctx context.Context, rules []ports.PolicyRule) (int64, error) {
	var v int64
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		v, err = replace(ctx, tx, rules)
		return err
	})
	return v, wrap("replace rules", err)
}

// SeedDefaults stores rules if the policy was never written (version 0);
// concurrent replicas serialise on the policy_state row.
func (s *Store) SeedDefaults(ctx context.Context, rules []ports.PolicyRule) (bool, error) {
	seeded := false
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		v, err := bump(ctx, tx, 0)
		if err != nil || v != 0 {
			return err
		}
		_, err = replace(ctx, tx, rules)
		seeded = err == nil
		return err
	})
	return seeded, wrap("seed defaults", err)
}

// bump adds delta to the version (taking the row lock) and returns the new value.
func bump(ctx context.Context, tx bun.Tx, delta int64) (int64, error) {
	if _, err := tx.ExecContext(ctx, "UPDATE policy_state SET version = version + ? WHERE id = 1", delta); err != nil {
		return 0, err
	}
	var v int64
	err := tx.NewSelect().Table("policy_state").Column("version").Where("id = 1").Scan(ctx, &v)
	return v, err
}

func replace(ctx context.Context, tx bun.Tx, rules []ports.PolicyRule) (int64, error) {
	if _, err := tx.NewDelete().Model((*ruleRow)(nil)).Where("1 = 1").Exec(ctx); err != nil {
		return 0, err
	}
	if len(rules) > 0 {
		rows := make([]ruleRow, len(rules))
		for i, r := range rules {
			rows[i] = toRow(policy.Normalize(r))
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return 0, err
		}
	}
	return bump(ctx, tx, 1)
}

// LoadPolicy (persist.Adapter) loads every stored rule into m.
func (s *Store) LoadPolicy(m model.Model) error {
	var rows []ruleRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("id").Scan(context.Background()); err != nil {
		return wrap("load policy", err)
	}
	for _, r := range rows {
		if err := persist.LoadPolicyArray(append([]string{r.PType}, r.values()...), m); err != nil {
			return wrap("load policy", err)
		}
	}
	return nil
}

// SavePolicy (persist.Adapter) replaces the stored rules with m's.
func (s *Store) SavePolicy(m model.Model) error {
	var rules []ports.PolicyRule
	for _, sec := range []string{"p", "g"} {
		for ptype, ast := range m[sec] {
			for _, rule := range ast.Policy {
				rules = append(rules, fromRow(rowOf(ptype, rule)))
			}
		}
	}
	_, err := s.ReplaceRules(context.Background(), rules)
	return err
}

// AddPolicy (persist.Adapter) appends one rule.
func (s *Store) AddPolicy(_, ptype string, rule []string) error {
	return wrap("add policy", s.db.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		row := rowOf(ptype, rule)
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return err
		}
		_, err := bump(ctx, tx, 1)
		return err
	}))
}

// RemovePolicy (persist.Adapter) removes one rule.
func (s *Store) RemovePolicy(_, ptype string, rule []string) error {
	return s.RemoveFilteredPolicy("", ptype, 0, rule...)
}

// RemoveFilteredPolicy (persist.Adapter) removes the rules whose fields from
// fieldIndex on equal fieldValues (empty values match anything).
func (s *Store) RemoveFilteredPolicy(_, ptype string, fieldIndex int, fieldValues ...string) error {
	return wrap("remove policy", s.db.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewDelete().Model((*ruleRow)(nil)).Where("ptype = ?", ptype)
		for i, v := range fieldValues {
			if v != "" && fieldIndex+i < 6 {
				q = q.Where("? = ?", bun.Ident(fmt.Sprintf("v%d", fieldIndex+i)), v)
			}
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
		_, err := bump(ctx, tx, 1)
		return err
	}))
}
