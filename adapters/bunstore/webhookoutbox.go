package bunstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

var _ ports.WebhookOutbox = (*Store)(nil)

type deliveryRow struct {
	bun.BaseModel `bun:"table:webhook_deliveries,alias:wd"`

	ID            int64  `bun:"id,pk,autoincrement"`
	WebhookID     int64  `bun:"webhook_id"`
	EventID       string `bun:"event_id"`
	EventType     string `bun:"event_type"`
	Payload       string `bun:"payload"`
	Status        string `bun:"status"`
	Attempts      int    `bun:"attempts"`
	NextAttemptAt int64  `bun:"next_attempt_at"`
	LeaseOwner    string `bun:"lease_owner"`
	LeaseUntil    int64  `bun:"lease_until"`
	ResponseCode  int    `bun:"response_code"`
	ResponseBody  string `bun:"response_body"`
	DurationMS    int64  `bun:"duration_ms"`
	LastError     string `bun:"last_error"`
	RedeliveryOf  int64  `bun:"redelivery_of"`
	CreatedAt     int64  `bun:"created_at"`
	UpdatedAt     int64  `bun:"updated_at"`
}

func rowToDelivery(r *deliveryRow) (ports.WebhookDelivery, error) {
	var ev ports.WebhookEvent
	if err := json.Unmarshal([]byte(r.Payload), &ev); err != nil {
		return ports.WebhookDelivery{}, err
	}
	return ports.WebhookDelivery{ID: r.ID, WebhookID: r.WebhookID, Event: ev, Status: r.Status, Attempts: r.Attempts,
		NextAttemptAt: fromNanos(r.NextAttemptAt), ResponseCode: r.ResponseCode, ResponseBody: r.ResponseBody,
		Duration: time.Duration(r.DurationMS) * time.Millisecond, LastError: r.LastError, RedeliveryOf: r.RedeliveryOf,
		CreatedAt: fromNanos(r.CreatedAt), UpdatedAt: fromNanos(r.UpdatedAt)}, nil
}

func rowsToDeliveries(rows []deliveryRow) ([]ports.WebhookDelivery, error) {
	out := make([]ports.WebhookDelivery, 0, len(rows))
	for i := range rows {
		d, err := rowToDelivery(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// OnWebhookQueued sets fn, called after a commit that queued deliveries
// (the local workers wake up at once instead of at their next poll).
func (s *Store) OnWebhookQueued(fn func()) { s.webhookQueued.Store(&fn) }

func (s *Store) webhooksQueued(n int) {
	if n == 0 {
		return
	}
	if fn := s.webhookQueued.Load(); fn != nil {
		(*fn)()
	}
}

// publishTx queues ev, inside db's transaction, for every enabled webhook
// subscribed to its type. With no such webhook it costs one read of the
// (small) webhooks table.
func publishTx(ctx context.Context, db bun.IDB, ev ports.WebhookEvent, now int64) (int, error) {
	hooks, err := subscribers(ctx, db, ev.Type)
	if err != nil || len(hooks) == 0 {
		return 0, err
	}
	return insertDeliveries(ctx, db, hooks, ev, now, 0)
}

func subscribers(ctx context.Context, db bun.IDB, types ...string) ([]int64, error) {
	var rows []webhookRow
	if err := db.NewSelect().Model(&rows).Column("id", "events").Where("enabled = ?", true).Scan(ctx); err != nil {
		return nil, err
	}
	var ids []int64
	for i := range rows {
		var events []string
		if json.Unmarshal([]byte(rows[i].Events), &events) != nil {
			continue
		}
		for _, t := range types {
			if (ports.Webhook{Events: events}).Subscribed(t) {
				ids = append(ids, rows[i].ID)
				break
			}
		}
	}
	return ids, nil
}

func insertDeliveries(ctx context.Context, db bun.IDB, hooks []int64, ev ports.WebhookEvent, now, redeliveryOf int64) (int, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return 0, err
	}
	rows := make([]deliveryRow, len(hooks))
	for i, id := range hooks {
		rows[i] = deliveryRow{WebhookID: id, EventID: ev.ID, EventType: ev.Type, Payload: string(payload),
			Status: ports.DeliveryPending, NextAttemptAt: now, RedeliveryOf: redeliveryOf, CreatedAt: now, UpdatedAt: now}
	}
	if _, err := db.NewInsert().Model(&rows).Returning("id").Exec(ctx); err != nil {
		return 0, err
	}
	return len(rows), nil
}

// maxEventFiles bounds the paths one artifact event lists (files_total
// says how many there were).
const maxEventFiles = 100

type eventFile struct {
	Path    string `json:"path"`
	SHA256  string `json:"sha256,omitempty"`
	Size    int64  `json:"size"`
	Package string `json:"package,omitempty"`
	Version string `json:"version,omitempty"`
}

// enqueueWebhooks queues, inside the write set's transaction, the
// artifact.uploaded and artifact.deleted events of ws for the subscribed
// webhooks. Cache fills of remote repositories are not uploads.
func enqueueWebhooks(ctx context.Context, tx bun.Tx, repoID int64, ws ports.WriteSet, now int64) (int, error) {
	var types []string
	if len(ws.Puts) > 0 {
		types = append(types, ports.EventArtifactUploaded)
	}
	if len(ws.Deletes) > 0 {
		types = append(types, ports.EventArtifactDeleted)
	}
	if len(types) == 0 {
		return 0, nil
	}
	hooks, err := subscribers(ctx, tx, types...)
	if err != nil || len(hooks) == 0 {
		return 0, err
	}
	var repo repositoryRow
	if err := tx.NewSelect().Model(&repo).Column("key", "format", "repo_type").Where("id = ?", repoID).Scan(ctx); err != nil {
		return 0, err
	}
	if repo.RepoType == ports.RepoRemote {
		return 0, nil
	}
	actor := auth.SubjectFrom(ctx).Username
	n := 0
	if len(ws.Puts) > 0 {
		var files []eventFile
		for _, p := range ws.Puts[:min(len(ws.Puts), maxEventFiles)] {
			files = append(files, eventFile{Path: p.File.Path, SHA256: p.File.SHA256, Size: p.File.Size,
				Package: p.File.Package, Version: p.File.Version})
		}
		data, _ := json.Marshal(map[string]any{"format": repo.Format, "files": files, "files_total": len(ws.Puts)})
		k, err := publishTo(ctx, tx, ports.EventArtifactUploaded, repo.Key, actor, data, now)
		if err != nil {
			return 0, err
		}
		n += k
	}
	if len(ws.Deletes) > 0 {
		data, _ := json.Marshal(map[string]any{"format": repo.Format,
			"paths": ws.Deletes[:min(len(ws.Deletes), maxEventFiles)], "paths_total": len(ws.Deletes)})
		k, err := publishTo(ctx, tx, ports.EventArtifactDeleted, repo.Key, actor, data, now)
		if err != nil {
			return 0, err
		}
		n += k
	}
	return n, nil
}

func publishTo(ctx context.Context, tx bun.IDB, typ, repo, actor string, data []byte, now int64) (int, error) {
	return publishTx(ctx, tx, ports.WebhookEvent{ID: ports.NewWebhookEventID(), Type: typ, At: fromNanos(now),
		Repository: repo, Actor: actor, Data: data}, now)
}

// enqueueRepositoryEvent queues repository.created or .deleted inside the
// transaction that creates or deletes it.
func enqueueRepositoryEvent(ctx context.Context, tx bun.Tx, typ string, r ports.Repository, now int64) (int, error) {
	data, _ := json.Marshal(map[string]any{"format": r.Format, "type": r.Type, "public": r.IsPublic})
	return publishTo(ctx, tx, typ, r.Key, auth.SubjectFrom(ctx).Username, data, now)
}

// PublishEvent queues ev for every enabled webhook subscribed to its type.
func (s *Store) PublishEvent(ctx context.Context, ev ports.WebhookEvent) (int, error) {
	n, err := publishTx(ctx, s.db, ev, toNanos(s.clock.Now()))
	if err != nil {
		return 0, wrap("publish webhook event", err)
	}
	s.webhooksQueued(n)
	return n, nil
}

// EnqueueDelivery queues ev for one webhook whatever it subscribes to.
func (s *Store) EnqueueDelivery(ctx context.Context, webhookID int64, ev ports.WebhookEvent, redeliveryOf int64) (ports.WebhookDelivery, error) {
	const op = "enqueue webhook delivery"
	if _, err := s.GetWebhook(ctx, webhookID); err != nil {
		return ports.WebhookDelivery{}, err
	}
	now := toNanos(s.clock.Now())
	payload, err := json.Marshal(ev)
	if err != nil {
		return ports.WebhookDelivery{}, wrap(op, err)
	}
	row := deliveryRow{WebhookID: webhookID, EventID: ev.ID, EventType: ev.Type, Payload: string(payload),
		Status: ports.DeliveryPending, NextAttemptAt: now, RedeliveryOf: redeliveryOf, CreatedAt: now, UpdatedAt: now}
	if _, err := s.db.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return ports.WebhookDelivery{}, wrap(op, err)
	}
	s.webhooksQueued(1)
	d, err := rowToDelivery(&row)
	return d, wrap(op, err)
}

// ClaimDeliveries leases due deliveries to owner. On PostgreSQL the candidate rows
// are locked with FOR UPDATE SKIP LOCKED, so concurrent claimers take
// disjoint sets without waiting; SQLite runs one writer at a time, so the
// UPDATE's own re-check of the lease is the claim. The outer WHERE repeats
// the lease condition: a row another claimer took in between is skipped.
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]ports.WebhookDelivery, error) {
	const op = "claim webhook deliveries"
	if owner == "" || lease <= 0 {
		return nil, wrap(op, ports.Invalidf("owner", "owner and lease are required"))
	}
	t := toNanos(now)
	due := s.db.NewSelect().TableExpr("webhook_deliveries AS d").Column("d.id").
		Join("JOIN webhooks AS w ON w.id = d.webhook_id").
		Where("d.status = ?", ports.DeliveryPending).Where("d.next_attempt_at <= ?", t).
		Where("d.lease_until < ?", t).Where("w.enabled = ?", true).
		OrderExpr("d.next_attempt_at, d.id").Limit(int64(clampLimit(limit)))
	if s.dialect == DialectPostgres {
		due = due.For("UPDATE OF d SKIP LOCKED")
	}
	var rows []deliveryRow
	err := s.db.NewUpdate().Model((*deliveryRow)(nil)).
		Set("lease_owner = ?", owner).Set("lease_until = ?", toNanos(now.Add(lease))).
		Set("attempts = attempts + 1").Set("updated_at = ?", t).
		Where("id IN (?)", due).Where("status = ?", ports.DeliveryPending).Where("lease_until < ?", t).
		Returning("*").Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, wrap(op, err)
	}
	out, err := rowsToDeliveries(rows)
	return out, wrap(op, err)
}

// FinishDelivery records an attempt and the webhook's failure count, in one
// transaction; a failure that reaches DisableAfter disables the webhook.
func (s *Store) FinishDelivery(ctx context.Context, a ports.WebhookAttempt) (bool, error) {
	const op = "finish webhook delivery"
	status, next := ports.DeliverySucceeded, int64(0)
	if !a.OK {
		status = ports.DeliveryFailed
		if !a.RetryAt.IsZero() {
			status, next = ports.DeliveryPending, toNanos(a.RetryAt)
		}
	}
	disabled := false
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var hookID int64
		q := tx.NewUpdate().Model((*deliveryRow)(nil)).
			Set("status = ?", status).Set("lease_owner = ''").Set("lease_until = 0").
			Set("response_code = ?", a.ResponseCode).Set("response_body = ?", a.ResponseBody).
			Set("duration_ms = ?", a.Duration.Milliseconds()).Set("last_error = ?", a.Error).
			Set("updated_at = ?", toNanos(a.At)).
			Where("id = ?", a.DeliveryID).Where("lease_owner = ?", a.Owner).Where("status = ?", ports.DeliveryPending)
		if next != 0 {
			q = q.Set("next_attempt_at = ?", next)
		}
		if err := q.Returning("webhook_id").Scan(ctx, &hookID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ports.ErrLeaseLost
			}
			return err
		}
		if a.OK {
			_, err := tx.NewUpdate().Model((*webhookRow)(nil)).Set("consecutive_failures = 0").
				Where("id = ?", hookID).Where("consecutive_failures <> 0").Exec(ctx)
			return err
		}
		var failures int
		err := tx.NewUpdate().Model((*webhookRow)(nil)).Set("consecutive_failures = consecutive_failures + 1").
			Where("id = ?", hookID).Returning("consecutive_failures").Scan(ctx, &failures)
		if err != nil || a.DisableAfter <= 0 || failures < a.DisableAfter {
			return err
		}
		res, err := tx.NewUpdate().Model((*webhookRow)(nil)).Set("enabled = ?", false).
			Set("disabled_reason = ?", "disabled after consecutive failed deliveries").
			Set("updated_at = ?", toNanos(a.At)).
			Where("id = ?", hookID).Where("enabled = ?", true).Exec(ctx)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		disabled = n > 0
		return err
	})
	if errors.Is(err, ports.ErrLeaseLost) {
		return false, err
	}
	return disabled, wrap(op, err)
}

// ListDeliveries returns a webhook's deliveries, newest first.
func (s *Store) ListDeliveries(ctx context.Context, webhookID int64, p ports.Page) ([]ports.WebhookDelivery, int, error) {
	const op = "list webhook deliveries"
	var rows []deliveryRow
	total, err := s.db.NewSelect().Model(&rows).Where("webhook_id = ?", webhookID).OrderExpr("id DESC").
		Offset(int64(max(p.Offset, 0))).Limit(int64(clampLimit(p.Limit))).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	out, err := rowsToDeliveries(rows)
	return out, int(total), wrap(op, err)
}

// GetDelivery returns one delivery of a webhook.
func (s *Store) GetDelivery(ctx context.Context, webhookID, id int64) (ports.WebhookDelivery, error) {
	const op = "get webhook delivery"
	var row deliveryRow
	if err := s.db.NewSelect().Model(&row).Where("id = ?", id).Where("webhook_id = ?", webhookID).Scan(ctx); err != nil {
		return ports.WebhookDelivery{}, wrap(op, err)
	}
	d, err := rowToDelivery(&row)
	return d, wrap(op, err)
}

// PruneDeliveries removes finished deliveries last updated before t.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time) (int, error) {
	const op = "prune webhook deliveries"
	res, err := s.db.NewDelete().Model((*deliveryRow)(nil)).Where("status <> ?", ports.DeliveryPending).
		Where("updated_at < ?", toNanos(before)).Exec(ctx)
	if err != nil {
		return 0, wrap(op, err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap(op, err)
}
