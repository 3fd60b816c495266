package bunstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

func repoToRow(r *ports.Repository) repositoryRow {
	return repositoryRow{
		ID: r.ID, Key: r.Key, Name: r.Name, Format: r.Format, RepoType: r.Type,
		IsPublic: r.IsPublic, Description: r.Description, UpstreamURL: r.UpstreamURL,
		AllowOverwrite: r.AllowOverwrite, Config: encodeMap(r.Config), Generation: r.Generation,
		CreatedAt: toNanos(r.CreatedAt), UpdatedAt: toNanos(r.UpdatedAt),
	}
}

func rowToRepo(row *repositoryRow) (ports.Repository, error) {
	cfg, err := decodeMap(row.Config)
	if err != nil {
		return ports.Repository{}, fmt.Errorf("repository %q config: %w", row.Key, err)
	}
	return ports.Repository{
		ID: row.ID, Key: row.Key, Name: row.Name, Format: row.Format, Type: row.RepoType,
		IsPublic: row.IsPublic, Description: row.Description, UpstreamURL: row.UpstreamURL,
		AllowOverwrite: row.AllowOverwrite, Config: cfg, Generation: row.Generation,
		CreatedAt: fromNanos(row.CreatedAt), UpdatedAt: fromNanos(row.UpdatedAt),
	}, nil
}

// CreateRepository inserts r with its members and sets r.ID (and the
// creation times when they are zero).
func (s *Store) CreateRepository(ctx context.Context, r *ports.Repository) error {
	const op = "create repository"
	if r.Key == "" {
		return wrap(op, ports.Invalidf("key", "must not be empty"))
	}
	now := s.clock.Now()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	row, err := s.repoRow(r)
	if err != nil {
		return wrap(op, err)
	}
	row.ID = 0
	var queued int
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
			return err
		}
		if err := s.saveMembers(ctx, tx, row.ID, r.Members); err != nil {
			return err
		}
		queued, err = enqueueRepositoryEvent(ctx, tx, ports.EventRepositoryCreated, *r, toNanos(now))
		return err
	})
	if err != nil {
		return wrap(op, err)
	}
	s.webhooksQueued(queued)
	r.ID = row.ID
	r.CreatedAt, r.UpdatedAt = normTime(r.CreatedAt), normTime(r.UpdatedAt)
	return nil
}

// saveMembers replaces the member rows of a virtual repository.
func (s *Store) saveMembers(ctx context.Context, tx bun.Tx, virtualID int64, members []ports.Member) error {
	if _, err := tx.NewDelete().Model((*memberRow)(nil)).Where("virtual_id = ?", virtualID).Exec(ctx); err != nil {
		return err
	}
	if len(members) == 0 {
		return nil
	}
	keys := make([]string, len(members))
	for i, m := range members {
		keys[i] = m.RepoKey
	}
	var found []repositoryRow
	if err := tx.NewSelect().Model(&found).Column("id", "key").Where("key IN (?)", bun.List(keys)).Scan(ctx); err != nil {
		return err
	}
	ids := make(map[string]int64, len(found))
	for _, f := range found {
		ids[f.Key] = f.ID
	}
	rows := make([]memberRow, 0, len(members))
	for _, m := range members {
		id, ok := ids[m.RepoKey]
		if !ok {
			return ports.Invalidf("members", "repository %q does not exist", m.RepoKey)
		}
		if id == virtualID {
			return ports.Invalidf("members", "repository %q cannot be a member of itself", m.RepoKey)
		}
		rows = append(rows, memberRow{VirtualID: virtualID, MemberID: id, Priority: m.Priority})
	}
	_, err := tx.NewInsert().Model(&rows).Exec(ctx)
	return err
}

// loadMembers returns the members of the given repositories, ordered by priority then key.
func loadMembers(ctx context.Context, db bun.IDB, ids []int64) (map[int64][]ports.Member, error) {
	out := map[int64][]ports.Member{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		VirtualID int64  `bun:"virtual_id"`
		Key       string `bun:"key"`
		Priority  int    `bun:"priority"`
	}
	err := db.NewSelect().TableExpr("repository_members AS m").
		Join("JOIN repositories AS r ON r.id = m.member_id").
		ColumnExpr("m.virtual_id, r.key, m.priority").
		Where("m.virtual_id IN (?)", bun.List(ids)).
		OrderExpr("m.virtual_id, m.priority, r.key").
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.VirtualID] = append(out[r.VirtualID], ports.Member{RepoKey: r.Key, Priority: r.Priority})
	}
	return out, nil
}

func (s *Store) getRepository(ctx context.Context, db bun.IDB, key string, lock bool) (ports.Repository, error) {
	var row repositoryRow
	q := db.NewSelect().Model(&row).Where("key = ?", key)
	if lock {
		q = s.forUpdate(q)
	}
	if err := q.Scan(ctx); err != nil {
		return ports.Repository{}, err
	}
	repo, err := s.rowToRepo(&row)
	if err != nil {
		return ports.Repository{}, err
	}
	if repo.Type != ports.RepoVirtual { // only virtual repositories have members
		return repo, nil
	}
	members, err := loadMembers(ctx, db, []int64{row.ID})
	if err != nil {
		return ports.Repository{}, err
	}
	repo.Members = members[row.ID]
	return repo, nil
}

// GetRepository returns the repository with its members, or ErrNotFound.
func (s *Store) GetRepository(ctx context.Context, key string) (ports.Repository, error) {
	repo, err := s.getRepository(ctx, s.db, key, false)
	if err != nil {
		return ports.Repository{}, wrap("get repository "+key, err)
	}
	return repo, nil
}

// ListRepositories returns one page ordered by key and the total matching f.
func (s *Store) ListRepositories(ctx context.Context, f ports.RepositoryFilter, p ports.Page) ([]ports.Repository, int, error) {
	const op = "list repositories"
	var rows []repositoryRow
	q := s.db.NewSelect().Model(&rows)
	if f.Format != "" {
		q = q.Where("format = ?", f.Format)
	}
	if f.Type != "" {
		q = q.Where("repo_type = ?", f.Type)
	}
	if f.Query != "" {
		like := "%" + likeEscaper.Replace(strings.ToLower(f.Query)) + "%"
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("LOWER(key) LIKE ? ESCAPE '\\'", like).
				WhereOr("LOWER(name) LIKE ? ESCAPE '\\'", like).
				WhereOr("LOWER(description) LIKE ? ESCAPE '\\'", like)
		})
	}
	total, err := q.OrderExpr("key").Offset(int64(max(p.Offset, 0))).Limit(int64(clampLimit(p.Limit))).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	members, err := loadMembers(ctx, s.db, ids)
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	out := make([]ports.Repository, 0, len(rows))
	for i := range rows {
		repo, err := s.rowToRepo(&rows[i])
		if err != nil {
			return nil, 0, wrap(op, err)
		}
		repo.Members = members[repo.ID]
		out = append(out, repo)
	}
	return out, int(total), nil
}

// likeEscaper makes a search term literal inside a LIKE pattern.
var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

// UpdateRepository loads the repository, applies fn and saves every field
// (members replaced) in one transaction. ID, Key, Generation and CreatedAt
// are not changed by fn; UpdatedAt is set to now.
func (s *Store) UpdateRepository(ctx context.Context, key string, fn func(*ports.Repository) error) (ports.Repository, error) {
	op := "update repository " + key
	var out ports.Repository
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		repo, err := s.getRepository(ctx, tx, key, true)
		if err != nil {
			return err
		}
		orig := repo
		if err := fn(&repo); err != nil {
			return err
		}
		repo.ID, repo.Key, repo.Generation, repo.CreatedAt = orig.ID, orig.Key, orig.Generation, orig.CreatedAt
		repo.UpdatedAt = s.clock.Now()
		row, err := s.repoRow(&repo)
		if err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model(&row).
			Column("name", "format", "repo_type", "is_public", "description", "upstream_url",
				"allow_overwrite", "config", "updated_at").
			WherePK().Exec(ctx)
		if err != nil {
			return err
		}
		if err := s.saveMembers(ctx, tx, repo.ID, repo.Members); err != nil {
			return err
		}
		out, err = s.getRepository(ctx, tx, key, false)
		return err
	})
	if err != nil {
		return ports.Repository{}, wrap(op, err)
	}
	return out, nil
}

// DeleteRepository removes the repository with its files, packages,
// versions, key-values and membership rows.
func (s *Store) DeleteRepository(ctx context.Context, key string) error {
	op := "delete repository " + key
	var queued int
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row repositoryRow
		if err := s.forUpdate(tx.NewSelect().Model(&row).Column("id", "key", "format", "repo_type", "is_public").
			Where("key = ?", key)).Scan(ctx); err != nil {
			return err
		}
		id, now := row.ID, toNanos(s.clock.Now())
		if err := enqueueRepositoryDeleted(ctx, tx, id, now); err != nil {
			return err
		}
		if err := enqueueReplicationRepoDeleted(ctx, tx, id, row.Key, row.Format, now); err != nil {
			return err
		}
		var err error
		queued, err = enqueueRepositoryEvent(ctx, tx, ports.EventRepositoryDeleted,
			ports.Repository{Key: row.Key, Format: row.Format, Type: row.RepoType, IsPublic: row.IsPublic}, now)
		if err != nil {
			return err
		}
		steps := []*bun.DeleteQuery{
			tx.NewDelete().Model((*fileRow)(nil)).Where("repository_id = ?", id),
			tx.NewDelete().Model((*versionRow)(nil)).
				Where("package_id IN (?)", tx.NewSelect().Model((*packageRow)(nil)).Column("id").Where("repository_id = ?", id)),
			tx.NewDelete().Model((*packageRow)(nil)).Where("repository_id = ?", id),
			tx.NewDelete().Model((*kvRow)(nil)).Where("repository_id = ?", id),
			tx.NewDelete().Model((*memberRow)(nil)).Where("virtual_id = ? OR member_id = ?", id, id),
			tx.NewDelete().Model((*repositoryRow)(nil)).Where("id = ?", id),
		}
		for _, q := range steps {
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrap(op, err)
	}
	s.webhooksQueued(queued)
	return nil
}

// ReposWithMember lists the keys of virtual repositories that include key.
func (s *Store) ReposWithMember(ctx context.Context, key string) ([]string, error) {
	var keys []string
	err := s.db.NewSelect().TableExpr("repository_members AS m").
		Join("JOIN repositories AS v ON v.id = m.virtual_id").
		Join("JOIN repositories AS r ON r.id = m.member_id").
		ColumnExpr("v.key").
		Where("r.key = ?", key).
		OrderExpr("v.key").
		Scan(ctx, &keys)
	if err != nil {
		return nil, wrap("repos with member "+key, err)
	}
	return keys, nil
}
