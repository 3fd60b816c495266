package ports

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"time"
)

// Webhook event types. A webhook subscribes to some of them (or to every
// one with "*"). ScanCompleted and Quarantined are published by the
// scanning work through core/webhook.Publisher.Publish, with the repository
// key and a data object naming the artifact; nothing publishes them yet.
const (
	EventArtifactUploaded  = "artifact.uploaded"
	EventArtifactDeleted   = "artifact.deleted"
	EventRepositoryCreated = "repository.created"
	EventRepositoryDeleted = "repository.deleted"
	EventPluginInstalled   = "plugin.installed"
	EventPluginReloaded    = "plugin.reloaded"
	EventPolicyChanged     = "policy.changed"
	EventLoginFailures     = "auth.login_failures"
	EventScanCompleted     = "scan.completed"
	EventQuarantined       = "artifact.quarantined"
	// EventPing is sent by the test-ping endpoint only; it cannot be subscribed to.
	EventPing = "ping"
)

// WebhookEventTypes lists the types a webhook may subscribe to.
var WebhookEventTypes = []string{EventArtifactUploaded, EventArtifactDeleted, EventRepositoryCreated,
	EventRepositoryDeleted, EventPluginInstalled, EventPluginReloaded, EventPolicyChanged,
	EventLoginFailures, EventScanCompleted, EventQuarantined}

// WebhookEvent is one thing that happened, as receivers get it in the
// "json" format (the envelope is this struct's JSON).
type WebhookEvent struct {
	// ID is unique per event (32 hex digits) and sent as X-Keeper-Event-Id on
	// every delivery and redelivery of it, so receivers can drop duplicates.
	ID   string    `json:"id"`
	Type string    `json:"type"`
	At   time.Time `json:"created_at"`
	// Repository is the key of the repository the event is about ("" when none).
	Repository string `json:"repository,omitempty"`
	// Actor is the user who caused it, when known.
	Actor string `json:"actor,omitempty"`
	// Data is a JSON object whose members depend on Type (docs/webhooks.md).
	Data json.RawMessage `json:"data"`
}

// NewWebhookEventID returns a random event ID.
func NewWebhookEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Webhook payload formats.
const (
	WebhookJSON  = "json"
	WebhookSlack = "slack"
	WebhookTeams = "teams"
)

// Webhook is one subscriber URL.
type Webhook struct {
	ID     int64
	Name   string
	URL    string
	Format string
	// Events are the subscribed types, or ["*"] for every one.
	Events  []string
	Enabled bool
	// Secret signs deliveries; it is stored sealed (core/webhook seals and
	// opens it) and never leaves the server through the API.
	Secret string
	// PreviousSecret (sealed) also signs deliveries until PreviousUntil: the
	// overlap window of a rotation.
	PreviousSecret string
	PreviousUntil  time.Time
	// ConsecutiveFailures counts failed attempts since the last success.
	ConsecutiveFailures int
	// DisabledReason says why the server disabled the webhook ("" when an
	// administrator did, or it is enabled).
	DisabledReason string
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Subscribed reports whether the webhook takes events of type t.
func (w Webhook) Subscribed(t string) bool {
	return slices.Contains(w.Events, "*") || slices.Contains(w.Events, t)
}

// WebhookStore persists webhooks. Conformance suite: porttest.Webhooks.
type WebhookStore interface {
	// CreateWebhook inserts w and sets its ID; a duplicate name is ErrConflict.
	CreateWebhook(ctx context.Context, w *Webhook) error
	GetWebhook(ctx context.Context, id int64) (Webhook, error)
	// ListWebhooks returns every webhook by ID.
	ListWebhooks(ctx context.Context) ([]Webhook, error)
	// UpdateWebhook applies fn to the stored webhook inside a transaction
	// and stores the result.
	UpdateWebhook(ctx context.Context, id int64, fn func(*Webhook) error) (Webhook, error)
	// DeleteWebhook removes a webhook with its deliveries.
	DeleteWebhook(ctx context.Context, id int64) error
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
)

// WebhookDelivery is one event on its way to one webhook, and the outcome
// of its last attempt.
type WebhookDelivery struct {
	ID        int64
	WebhookID int64
	Event     WebhookEvent
	Status    string
	// Attempts counts the attempts started (a claim starts one).
	Attempts      int
	NextAttemptAt time.Time
	ResponseCode  int
	// ResponseBody is the start of the receiver's answer (bounded).
	ResponseBody string
	Duration     time.Duration
	LastError    string
	// RedeliveryOf is the delivery this one repeats (0 for a first delivery).
	RedeliveryOf int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// WebhookAttempt is the outcome of one attempt of a claimed delivery.
type WebhookAttempt struct {
	DeliveryID   int64
	Owner        string
	At           time.Time
	OK           bool
	ResponseCode int
	ResponseBody string
	Duration     time.Duration
	Error        string
	// RetryAt is when to try again after a failure; zero gives up (failed).
	RetryAt time.Time
	// DisableAfter disables the webhook once its consecutive failures reach
	// it (0 never).
	DisableAfter int
}

// ErrLeaseLost: the delivery's lease expired and another worker took it;
// the attempt's outcome is not recorded.
var ErrLeaseLost = errors.New("webhook delivery lease lost")

// WebhookOutbox is the durable delivery queue. The metadata store writes
// the deliveries of artifact and repository events in the transaction of
// the change itself; Publish writes the others. Workers on every replica
// claim due deliveries under a lease, so two never hold one at once.
// Conformance suite: porttest.WebhookOutbox.
type WebhookOutbox interface {
	// PublishEvent queues ev for every enabled webhook subscribed to its type and
	// returns how many deliveries it queued.
	PublishEvent(ctx context.Context, ev WebhookEvent) (int, error)
	// EnqueueDelivery queues ev for one webhook whatever its subscriptions (a ping,
	// a redelivery of redeliveryOf).
	EnqueueDelivery(ctx context.Context, webhookID int64, ev WebhookEvent, redeliveryOf int64) (WebhookDelivery, error)
	// ClaimDeliveries leases at most limit pending deliveries of enabled webhooks that
	// are due at now and not leased, to owner until now+lease, counting an
	// attempt for each; oldest due first.
	ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]WebhookDelivery, error)
	// FinishDelivery records an attempt's outcome (ErrLeaseLost when owner no longer
	// holds the lease) and counts the webhook's consecutive failures;
	// disabled reports that this attempt disabled the webhook.
	FinishDelivery(ctx context.Context, a WebhookAttempt) (disabled bool, err error)
	// ListDeliveries returns a webhook's deliveries, newest first, and the total.
	ListDeliveries(ctx context.Context, webhookID int64, p Page) ([]WebhookDelivery, int, error)
	// GetDelivery returns one delivery of a webhook, or ErrNotFound.
	GetDelivery(ctx context.Context, webhookID, id int64) (WebhookDelivery, error)
	// PruneDeliveries removes finished deliveries last updated before t.
	PruneDeliveries(ctx context.Context, before time.Time) (int, error)
}

// WebhookRequest is one POST to a webhook's URL.
type WebhookRequest struct {
	URL    string
	Header map[string]string
	Body   []byte
}

// WebhookResponse is what the receiver answered (Body bounded by the sender).
type WebhookResponse struct {
	Status int
	Body   []byte
}

// WebhookSender posts deliveries through the egress guard.
type WebhookSender interface {
	// Check refuses a URL whose scheme is not http(s) or whose host the
	// egress guard refuses now (a name is resolved); Send checks again at
	// connection time, so a name rebound later is refused too.
	Check(ctx context.Context, rawURL string) error
	// Send posts r once; redirects are not followed.
	Send(ctx context.Context, r WebhookRequest) (WebhookResponse, error)
}
