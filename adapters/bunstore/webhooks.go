package bunstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/keeper-registry/keeper/ports"
)

var _ ports.WebhookStore = (*Store)(nil)

type webhookRow struct {
	bun.BaseModel `bun:"table:webhooks,alias:wh"`

	ID                  int64  `bun:"id,pk,autoincrement"`
	Name                string `bun:"name"`
	URL                 string `bun:"url"`
	Format              string `bun:"format"`
	Events              string `bun:"events"`
	Enabled             bool   `bun:"enabled"`
	Secret              string `bun:"secret"`
	PreviousSecret      string `bun:"previous_secret"`
	PreviousUntil       int64  `bun:"previous_until"`
	ConsecutiveFailures int    `bun:"consecutive_failures"`
	DisabledReason      string `bun:"disabled_reason"`
	CreatedBy           string `bun:"created_by"`
	CreatedAt           int64  `bun:"created_at"`
	UpdatedAt           int64  `bun:"updated_at"`
}

func webhookToRow(w *ports.Webhook) (webhookRow, error) {
	events, err := json.Marshal(w.Events)
	if err != nil {
		return webhookRow{}, err
	}
	return webhookRow{ID: w.ID, Name: w.Name, URL: w.URL, Format: w.Format, Events: string(events),
		Enabled: w.Enabled, Secret: w.Secret, PreviousSecret: w.PreviousSecret, PreviousUntil: toNanos(w.PreviousUntil),
		ConsecutiveFailures: w.ConsecutiveFailures, DisabledReason: w.DisabledReason, CreatedBy: w.CreatedBy,
		CreatedAt: toNanos(w.CreatedAt), UpdatedAt: toNanos(w.UpdatedAt)}, nil
}

func rowToWebhook(r *webhookRow) (ports.Webhook, error) {
	var events []string
	if err := json.Unmarshal([]byte(r.Events), &events); err != nil {
		return ports.Webhook{}, fmt.Errorf("webhook %d events: %w", r.ID, err)
	}
	return ports.Webhook{ID: r.ID, Name: r.Name, URL: r.URL, Format: r.Format, Events: events,
		Enabled: r.Enabled, Secret: r.Secret, PreviousSecret: r.PreviousSecret, PreviousUntil: fromNanos(r.PreviousUntil),
		ConsecutiveFailures: r.ConsecutiveFailures, DisabledReason: r.DisabledReason, CreatedBy: r.CreatedBy,
		CreatedAt: fromNanos(r.CreatedAt), UpdatedAt: fromNanos(r.UpdatedAt)}, nil
}

// CreateWebhook inserts w and sets its ID and times.
func (s *Store) CreateWebhook(ctx context.Context, w *ports.Webhook) error {
	const op = "create webhook"
	now := s.clock.Now()
	w.CreatedAt, w.UpdatedAt = normTime(now), normTime(now)
	row, err := webhookToRow(w)
	if err != nil {
		return wrap(op, err)
	}
	row.ID = 0
	if _, err := s.db.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return wrap(op, err)
	}
	w.ID = row.ID
	return nil
}

// GetWebhook returns the webhook with id, or ErrNotFound.
func (s *Store) GetWebhook(ctx context.Context, id int64) (ports.Webhook, error) {
	return s.getWebhook(ctx, s.db, id, false)
}

func (s *Store) getWebhook(ctx context.Context, db bun.IDB, id int64, lock bool) (ports.Webhook, error) {
	var row webhookRow
	q := db.NewSelect().Model(&row).Where("id = ?", id)
	if lock {
		q = s.forUpdate(q)
	}
	if err := q.Scan(ctx); err != nil {
		return ports.Webhook{}, wrap("get webhook", err)
	}
	w, err := rowToWebhook(&row)
	return w, wrap("get webhook", err)
}

// ListWebhooks returns every webhook in ID order.
func (s *Store) ListWebhooks(ctx context.Context) ([]ports.Webhook, error) {
	var rows []webhookRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("id").Scan(ctx); err != nil {
		return nil, wrap("list webhooks", err)
	}
	out := make([]ports.Webhook, 0, len(rows))
	for i := range rows {
		w, err := rowToWebhook(&rows[i])
		if err != nil {
			return nil, wrap("list webhooks", err)
		}
		out = append(out, w)
	}
	return out, nil
}

// UpdateWebhook applies fn to the locked row and stores the result.
func (s *Store) UpdateWebhook(ctx context.Context, id int64, fn func(*ports.Webhook) error) (ports.Webhook, error) {
	const op = "update webhook"
	var out ports.Webhook
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		w, err := s.getWebhook(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := fn(&w); err != nil {
			return err
		}
		w.ID = id
		w.UpdatedAt = normTime(s.clock.Now())
		row, err := webhookToRow(&w)
		if err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(&row).WherePK().ExcludeColumn("id", "created_at", "created_by").Exec(ctx); err != nil {
			return err
		}
		out = w
		return nil
	})
	return out, wrap(op, err)
}

// DeleteWebhook removes the webhook and its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	const op = "delete webhook"
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*webhookRow)(nil)).Where("id = ?", id).Exec(ctx)
		if err := mustAffect(op, "webhook", res, err); err != nil {
			return err
		}
		_, err = tx.NewDelete().Model((*deliveryRow)(nil)).Where("webhook_id = ?", id).Exec(ctx)
		return wrap(op, err)
	})
}
