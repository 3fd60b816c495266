package http

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/webhook"
	"github.com/keeper-registry/keeper/ports"
)

// webhookSchemas are the bodies of the webhook API. No schema returns a
// secret: it is write-only (has_secret says one is set).
var webhookSchemas = obj{
	"Webhook": object(obj{"id": integer(), "name": str(), "url": str(),
		"format":  obj{"type": "string", "enum": []string{ports.WebhookJSON, ports.WebhookSlack, ports.WebhookTeams}},
		"events":  arr(obj{"type": "string", "enum": append([]string{"*"}, ports.WebhookEventTypes...)}),
		"enabled": boolean(), "has_secret": boolean(), "previous_secret_until": str(),
		"consecutive_failures": integer(), "disabled_reason": str(), "created_by": str(), "created_at": str(), "updated_at": str()},
		"id", "name", "url", "format", "events", "enabled"),
	"WebhookList": object(obj{"items": arr(ref("Webhook"))}, "items"),
	"WebhookCreate": object(obj{"name": str(), "url": str(), "format": str(), "events": arr(str()), "enabled": boolean(),
		"secret": obj{"type": "string", "description": "16 to 256 bytes; signs every delivery (X-Keeper-Signature); never returned"}},
		"name", "url", "events", "secret"),
	"WebhookPatch":  object(obj{"name": str(), "url": str(), "format": str(), "events": arr(str()), "enabled": boolean()}),
	"WebhookSecret": object(obj{"secret": str(), "overlap": obj{"type": "string", "description": "how long the old secret keeps signing too, e.g. 24h (default 24h, at most 168h, 0s for none)"}}, "secret"),
	"WebhookDelivery": object(obj{"id": integer(), "webhook_id": integer(), "event_id": str(), "event_type": str(),
		"status":   obj{"type": "string", "enum": []string{ports.DeliveryPending, ports.DeliverySucceeded, ports.DeliveryFailed}},
		"attempts": integer(), "next_attempt_at": str(), "response_code": integer(), "response_body": str(),
		"duration_ms": integer(), "error": str(), "redelivery_of": integer(), "created_at": str(), "updated_at": str(),
		"event": obj{"type": "object", "description": "the event as the json format posts it"}}, "id", "status"),
	"WebhookDeliveryList": object(obj{"items": arr(ref("WebhookDelivery")), "total": integer(), "offset": integer(), "limit": integer()}, "items", "total"),
}

// WebhookRoutes are the webhook API (administrators only); the wiring adds
// them to the fx group "routes".
func WebhookRoutes(svc *webhook.Service) []Route {
	const get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	h := webhookHandlers{svc: svc}
	return []Route{
		route(get, "/webhooks", Admin, Doc{"webhooks", "List webhooks (secrets are never returned)", "", "WebhookList", 200, nil}, h.list),
		route(post, "/webhooks", Admin, Doc{"webhooks", "Create a webhook; the URL must pass the egress guard", "WebhookCreate", "Webhook", 201, []int{409}}, h.create),
		route(get, "/webhooks/:id", Admin, Doc{"webhooks", "Get a webhook", "", "Webhook", 200, nil}, h.get),
		route(patch, "/webhooks/:id", Admin, Doc{"webhooks", "Change a webhook; enabling it again resets its failure count", "WebhookPatch", "Webhook", 200, []int{409}}, h.patch),
		route(del, "/webhooks/:id", Admin, Doc{"webhooks", "Delete a webhook and its delivery log", "", "", 204, nil}, h.delete),
		route(post, "/webhooks/:id/secret", Admin, Doc{"webhooks", "Rotate the signing secret; the old one keeps signing too during the overlap", "WebhookSecret", "Webhook", 200, nil}, h.rotate),
		route(post, "/webhooks/:id/ping", Admin, Doc{"webhooks", "Queue a ping event to the webhook", "", "WebhookDelivery", 202, []int{409}}, h.ping),
		route(get, "/webhooks/:id/deliveries", Admin, Doc{"webhooks", "The delivery log, newest first (offset, limit)", "", "WebhookDeliveryList", 200, nil}, h.deliveries),
		route(get, "/webhooks/:id/deliveries/:delivery", Admin, Doc{"webhooks", "One delivery with its event", "", "WebhookDelivery", 200, nil}, h.delivery),
		route(post, "/webhooks/:id/deliveries/:delivery/redeliver", Admin, Doc{"webhooks", "Queue a delivery's event again (same event id)", "", "WebhookDelivery", 202, []int{409}}, h.redeliver),
	}
}

type webhookHandlers struct{ svc *webhook.Service }

type webhookJSON struct {
	ID                  int64    `json:"id"`
	Name                string   `json:"name"`
	URL                 string   `json:"url"`
	Format              string   `json:"format"`
	Events              []string `json:"events"`
	Enabled             bool     `json:"enabled"`
	HasSecret           bool     `json:"has_secret"`
	PreviousSecretUntil string   `json:"previous_secret_until,omitempty"`
	ConsecutiveFailures int      `json:"consecutive_failures"`
	DisabledReason      string   `json:"disabled_reason,omitempty"`
	CreatedBy           string   `json:"created_by"`
	CreatedAt           string   `json:"created_at"`
	UpdatedAt           string   `json:"updated_at"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// toWebhookJSON describes a webhook; Secret and PreviousSecret are never copied.
func toWebhookJSON(w ports.Webhook) webhookJSON {
	out := webhookJSON{ID: w.ID, Name: w.Name, URL: w.URL, Format: w.Format, Events: w.Events, Enabled: w.Enabled,
		HasSecret: w.Secret != "", ConsecutiveFailures: w.ConsecutiveFailures, DisabledReason: w.DisabledReason,
		CreatedBy: w.CreatedBy, CreatedAt: rfc3339(w.CreatedAt), UpdatedAt: rfc3339(w.UpdatedAt)}
	if w.PreviousSecret != "" && time.Now().Before(w.PreviousUntil) {
		out.PreviousSecretUntil = rfc3339(w.PreviousUntil)
	}
	return out
}

type deliveryJSON struct {
	ID            int64               `json:"id"`
	WebhookID     int64               `json:"webhook_id"`
	EventID       string              `json:"event_id"`
	EventType     string              `json:"event_type"`
	Status        string              `json:"status"`
	Attempts      int                 `json:"attempts"`
	NextAttemptAt string              `json:"next_attempt_at,omitempty"`
	ResponseCode  int                 `json:"response_code"`
	ResponseBody  string              `json:"response_body"`
	DurationMS    int64               `json:"duration_ms"`
	Error         string              `json:"error,omitempty"`
	RedeliveryOf  int64               `json:"redelivery_of,omitempty"`
	CreatedAt     string              `json:"created_at"`
	UpdatedAt     string              `json:"updated_at"`
	Event         *ports.WebhookEvent `json:"event,omitempty"`
}

func toDeliveryJSON(d ports.WebhookDelivery, withEvent bool) deliveryJSON {
	out := deliveryJSON{ID: d.ID, WebhookID: d.WebhookID, EventID: d.Event.ID, EventType: d.Event.Type, Status: d.Status,
		Attempts: d.Attempts, ResponseCode: d.ResponseCode, ResponseBody: d.ResponseBody, DurationMS: d.Duration.Milliseconds(),
		Error: d.LastError, RedeliveryOf: d.RedeliveryOf, CreatedAt: rfc3339(d.CreatedAt), UpdatedAt: rfc3339(d.UpdatedAt)}
	if d.Status == ports.DeliveryPending {
		out.NextAttemptAt = rfc3339(d.NextAttemptAt)
	}
	if withEvent {
		ev := d.Event
		out.Event = &ev
	}
	return out
}

type webhookBody struct {
	Name    *string  `json:"name"`
	URL     *string  `json:"url"`
	Format  *string  `json:"format"`
	Events  []string `json:"events"`
	Enabled *bool    `json:"enabled"`
	Secret  *string  `json:"secret"`
}

func (b webhookBody) spec() webhook.Spec {
	return webhook.Spec{Name: b.Name, URL: b.URL, Format: b.Format, Events: b.Events, Enabled: b.Enabled, Secret: b.Secret}
}

func (h webhookHandlers) list(c *gin.Context) {
	ws, err := h.svc.List(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	out := make([]webhookJSON, len(ws))
	for i, w := range ws {
		out[i] = toWebhookJSON(w)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (h webhookHandlers) create(c *gin.Context) {
	var b webhookBody
	if !bindJSON(c, &b) {
		return
	}
	w, err := h.svc.Create(c.Request.Context(), subject(c), b.spec())
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toWebhookJSON(w))
}

func (h webhookHandlers) get(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	w, err := h.svc.Get(c.Request.Context(), id)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, toWebhookJSON(w))
}

func (h webhookHandlers) patch(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	var b webhookBody
	if !bindJSON(c, &b) {
		return
	}
	if b.Secret != nil {
		Fail(c, http.StatusBadRequest, "invalid", "secret: rotate it with POST /api/v1/webhooks/{id}/secret")
		return
	}
	w, err := h.svc.Update(c.Request.Context(), subject(c), id, b.spec())
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, toWebhookJSON(w))
}

func (h webhookHandlers) delete(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	if err := h.svc.Delete(c.Request.Context(), subject(c), id); err != nil {
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h webhookHandlers) rotate(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	var b struct {
		Secret  string `json:"secret"`
		Overlap string `json:"overlap"`
	}
	if !bindJSON(c, &b) {
		return
	}
	var overlap time.Duration
	if b.Overlap != "" {
		d, err := time.ParseDuration(b.Overlap)
		if err != nil || d < 0 {
			Fail(c, http.StatusBadRequest, "invalid", "overlap: must be a duration such as 24h or 0s")
			return
		}
		overlap = d
		if d == 0 {
			overlap = -1 // no overlap
		}
	}
	w, err := h.svc.RotateSecret(c.Request.Context(), subject(c), id, b.Secret, overlap)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, toWebhookJSON(w))
}

func (h webhookHandlers) ping(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	d, err := h.svc.Ping(c.Request.Context(), subject(c), id)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, toDeliveryJSON(d, true))
}

func (h webhookHandlers) deliveries(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	p := pageOf(c)
	ds, total, err := h.svc.Deliveries(c.Request.Context(), id, p)
	if err != nil {
		WriteError(c, err)
		return
	}
	items := make([]deliveryJSON, len(ds))
	for i, d := range ds {
		items[i] = toDeliveryJSON(d, false)
	}
	c.JSON(http.StatusOK, listResponse[deliveryJSON]{Items: items, Total: total, Offset: p.Offset, Limit: p.Limit})
}

func (h webhookHandlers) delivery(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	did, ok := idParam(c, "delivery")
	if !ok {
		return
	}
	d, err := h.svc.Delivery(c.Request.Context(), id, did)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, toDeliveryJSON(d, true))
}

func (h webhookHandlers) redeliver(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	did, ok := idParam(c, "delivery")
	if !ok {
		return
	}
	d, err := h.svc.Redeliver(c.Request.Context(), subject(c), id, did)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, toDeliveryJSON(d, true))
}
