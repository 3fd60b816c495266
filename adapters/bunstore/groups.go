package bunstore

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.GroupStore = (*Store)(nil)

func rowToGroup(r *groupRow) ports.Group {
	return ports.Group{ID: r.ID, Name: r.Name, Description: r.Description, CreatedAt: fromNanos(r.CreatedAt)}
}

// CreateGroup inserts g and sets g.ID; a duplicate name is ErrConflict.
func (s *Store) CreateGroup(ctx context.Context, g *ports.Group) error {
	const op = "create group"
	if g.Name == "" {
		return wrap(op, ports.Invalidf("name", "must not be empty"))
	}
	if g.CreatedAt.IsZero() {
		g.CreatedAt = s.clock.Now()
	}
	row := groupRow{Name: g.Name, Description: g.Description, CreatedAt: toNanos(g.CreatedAt)}
	if _, err := s.db.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return wrap(op, err)
	}
	g.ID, g.CreatedAt = row.ID, normTime(g.CreatedAt)
	return nil
}

// GetGroup returns the group with id, or ErrNotFound.
func (s *Store) GetGroup(ctx context.Context, id int64) (ports.Group, error) {
	var row groupRow
	if err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return ports.Group{}, wrap(fmt.Sprintf("get group %d", id), err)
	}
	return rowToGroup(&row), nil
}

// ListGroups returns one page ordered by name and the total count.
func (s *Store) ListGroups(ctx context.Context, p ports.Page) ([]ports.Group, int, error) {
	var rows []groupRow
	total, err := s.db.NewSelect().Model(&rows).OrderExpr("name").
		Offset(int64(max(p.Offset, 0))).Limit(int64(clampLimit(p.Limit))).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, wrap("list groups", err)
	}
	out := make([]ports.Group, len(rows))
	for i := range rows {
		out[i] = rowToGroup(&rows[i])
	}
	return out, int(total), nil
}

// DeleteGroup removes a group and its memberships.
func (s *Store) DeleteGroup(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete group %d", id)
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*groupMemberRow)(nil)).Where("group_id = ?", id).Exec(ctx); err != nil {
			return wrap(op, err)
		}
		res, err := tx.NewDelete().Model((*groupRow)(nil)).Where("id = ?", id).Exec(ctx)
		return mustAffect(op, "group", res, err)
	})
}

// SetGroupMembers replaces the members of a group in one transaction.
func (s *Store) SetGroupMembers(ctx context.Context, groupID int64, userIDs []int64) error {
	op := fmt.Sprintf("set members of group %d", groupID)
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		n, err := tx.NewSelect().Model((*groupRow)(nil)).Where("id = ?", groupID).Count(ctx)
		if err != nil {
			return wrap(op, err)
		}
		if n == 0 {
			return notFound(op, "group")
		}
		if _, err := tx.NewDelete().Model((*groupMemberRow)(nil)).Where("group_id = ?", groupID).Exec(ctx); err != nil {
			return wrap(op, err)
		}
		seen := map[int64]bool{}
		rows := make([]groupMemberRow, 0, len(userIDs))
		for _, u := range userIDs {
			if !seen[u] {
				seen[u] = true
				rows = append(rows, groupMemberRow{GroupID: groupID, UserID: u})
			}
		}
		if len(rows) == 0 {
			return nil
		}
		users, err := tx.NewSelect().Model((*userRow)(nil)).Where("id IN (?)", bun.List(keys(seen))).Count(ctx)
		if err != nil {
			return wrap(op, err)
		}
		if int(users) != len(rows) {
			return notFound(op, "user")
		}
		_, err = tx.NewInsert().Model(&rows).Exec(ctx)
		return wrap(op, err)
	})
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// GroupMembers lists the user ids of a group, ascending.
func (s *Store) GroupMembers(ctx context.Context, groupID int64) ([]int64, error) {
	ids := []int64{}
	err := s.db.NewSelect().Model((*groupMemberRow)(nil)).Column("user_id").
		Where("group_id = ?", groupID).OrderExpr("user_id").Scan(ctx, &ids)
	return ids, wrap(fmt.Sprintf("members of group %d", groupID), err)
}

// UserGroups lists the names of a user's groups, sorted.
func (s *Store) UserGroups(ctx context.Context, userID int64) ([]string, error) {
	names := []string{}
	err := s.db.NewSelect().TableExpr("user_groups AS g").ColumnExpr("g.name").
		Join("JOIN group_members AS gm ON gm.group_id = g.id").
		Where("gm.user_id = ?", userID).OrderExpr("g.name").Scan(ctx, &names)
	return names, wrap(fmt.Sprintf("groups of user %d", userID), err)
}
