package porttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// WebhookStores is a metadata adapter that also keeps webhooks and their
// delivery queue. Other is a second adapter instance over the same
// database (a second replica); the suite claims through both at once.
type WebhookStores struct {
	Repos  ports.RepositoryStore
	Files  ports.FileStore
	Hooks  ports.WebhookStore
	Outbox ports.WebhookOutbox
	Other  ports.WebhookOutbox
}

func whNew(t *testing.T, s WebhookStores, name string, events ...string) ports.Webhook {
	t.Helper()
	w := ports.Webhook{Name: name, URL: "https://hooks.example/" + name, Format: ports.WebhookJSON,
		Events: events, Enabled: true, Secret: "sealed:" + name, CreatedBy: "admin"}
	mdOK(t, s.Hooks.CreateWebhook(mdCtx(t), &w), "CreateWebhook "+name)
	if w.ID == 0 {
		t.Fatalf("CreateWebhook %s: ID not set", name)
	}
	return w
}

func whEvent(typ string) ports.WebhookEvent {
	return ports.WebhookEvent{ID: ports.NewWebhookEventID(), Type: typ, At: mdTime(0), Data: json.RawMessage(`{"k":"v"}`)}
}

func whClaimAll(t *testing.T, o ports.WebhookOutbox, owner string, now time.Time) []ports.WebhookDelivery {
	t.Helper()
	ds, err := o.ClaimDeliveries(mdCtx(t), owner, now, time.Minute, 1000)
	mdOK(t, err, "ClaimDeliveries")
	return ds
}

// Webhooks runs the conformance suite for ports.WebhookStore and
// ports.WebhookOutbox. open must return stores over a fresh, migrated,
// empty database.
func Webhooks(t *testing.T, open func(t *testing.T) WebhookStores) {
	t.Run("crud", func(t *testing.T) { whCRUD(t, open(t)) })
	t.Run("events are queued with the change", func(t *testing.T) { whInTx(t, open(t)) })
	t.Run("claim, retry, succeed", func(t *testing.T) { whClaim(t, open(t)) })
	t.Run("consecutive failures disable", func(t *testing.T) { whDisable(t, open(t)) })
	t.Run("two replicas never claim one delivery twice", func(t *testing.T) { whTwoReplicas(t, open(t)) })
	t.Run("log, redelivery, prune", func(t *testing.T) { whLog(t, open(t)) })
}

func whCRUD(t *testing.T, s WebhookStores) {
	w := whNew(t, s, "ci", ports.EventArtifactUploaded)
	got, err := s.Hooks.GetWebhook(mdCtx(t), w.ID)
	mdOK(t, err, "GetWebhook")
	if got.Name != "ci" || got.Secret != "sealed:ci" || !got.Enabled || len(got.Events) != 1 || got.CreatedAt.IsZero() {
		t.Fatalf("GetWebhook = %+v", got)
	}
	mdIs(t, s.Hooks.CreateWebhook(mdCtx(t), &ports.Webhook{Name: "ci", URL: "https://x", Format: "json", Events: []string{"*"}}),
		ports.ErrConflict, "duplicate name")
	until := mdTime(time.Hour)
	up, err := s.Hooks.UpdateWebhook(mdCtx(t), w.ID, func(w *ports.Webhook) error {
		w.PreviousSecret, w.PreviousUntil, w.Secret, w.Events = w.Secret, until, "sealed:new", []string{"*"}
		return nil
	})
	mdOK(t, err, "UpdateWebhook")
	got, _ = s.Hooks.GetWebhook(mdCtx(t), w.ID)
	if got.Secret != "sealed:new" || got.PreviousSecret != "sealed:ci" || !got.Subscribed(ports.EventPolicyChanged) || got.CreatedBy != "admin" {
		t.Fatalf("after update = %+v (returned %+v)", got, up)
	}
	mdSameTime(t, got.PreviousUntil, until, "PreviousUntil")
	_, err = s.Hooks.UpdateWebhook(mdCtx(t), w.ID, func(*ports.Webhook) error { return ports.ErrInvalid })
	mdIs(t, err, ports.ErrInvalid, "UpdateWebhook whose fn fails")
	whNew(t, s, "chat", "*")
	list, err := s.Hooks.ListWebhooks(mdCtx(t))
	mdOK(t, err, "ListWebhooks")
	if len(list) != 2 || list[0].Name != "ci" || list[1].Name != "chat" {
		t.Fatalf("ListWebhooks = %+v", list)
	}
	mdOK(t, s.Hooks.DeleteWebhook(mdCtx(t), w.ID), "DeleteWebhook")
	mdIs(t, s.Hooks.DeleteWebhook(mdCtx(t), w.ID), ports.ErrNotFound, "DeleteWebhook again")
	_, err = s.Hooks.GetWebhook(mdCtx(t), w.ID)
	mdIs(t, err, ports.ErrNotFound, "GetWebhook deleted")
	_, err = s.Hooks.UpdateWebhook(mdCtx(t), w.ID, func(*ports.Webhook) error { return nil })
	mdIs(t, err, ports.ErrNotFound, "UpdateWebhook deleted")
}

func whInTx(t *testing.T, s WebhookStores) {
	uploads := whNew(t, s, "uploads", ports.EventArtifactUploaded)
	all := whNew(t, s, "all", "*")
	off := whNew(t, s, "off", "*")
	_, err := s.Hooks.UpdateWebhook(mdCtx(t), off.ID, func(w *ports.Webhook) error { w.Enabled = false; return nil })
	mdOK(t, err, "disable")
	repo := mdNewRepo(t, MetadataStores{Repos: s.Repos}, "libs")
	put := mdPut("a/1.tgz", "sha256:1", false)
	put.File.Package, put.File.Version, put.File.SHA256 = "a", "1", "abc"
	_, err = s.Files.Apply(mdCtx(t), repo.ID, ports.WriteSet{Puts: []ports.FilePut{put}})
	mdOK(t, err, "Apply")
	// A failed write set queues nothing.
	_, err = s.Files.Apply(mdCtx(t), repo.ID, ports.WriteSet{Puts: []ports.FilePut{put}})
	mdIs(t, err, ports.ErrConflict, "Apply duplicate")
	_, err = s.Files.Apply(mdCtx(t), repo.ID, ports.WriteSet{Deletes: []string{"a/1.tgz"}})
	mdOK(t, err, "Apply delete")
	mdOK(t, s.Repos.DeleteRepository(mdCtx(t), "libs"), "DeleteRepository")
	got := map[int64][]string{}
	var upload ports.WebhookEvent
	for _, d := range whClaimAll(t, s.Outbox, "w1", time.Now().Add(time.Minute)) {
		got[d.WebhookID] = append(got[d.WebhookID], d.Event.Type)
		if d.Event.Type == ports.EventArtifactUploaded && d.WebhookID == uploads.ID {
			upload = d.Event
		}
	}
	want := fmt.Sprint([]string{ports.EventRepositoryCreated, ports.EventArtifactUploaded, ports.EventArtifactDeleted, ports.EventRepositoryDeleted})
	if fmt.Sprint(got[all.ID]) != want || fmt.Sprint(got[uploads.ID]) != fmt.Sprint([]string{ports.EventArtifactUploaded}) || len(got[off.ID]) != 0 {
		t.Fatalf("queued = %v; want all=%s, uploads=[artifact.uploaded], off none", got, want)
	}
	var data struct {
		Files []struct{ Path, SHA256, Package, Version string }
	}
	if err := json.Unmarshal(upload.Data, &data); err != nil || upload.Repository != "libs" || len(upload.ID) != 32 ||
		len(data.Files) != 1 || data.Files[0].Path != "a/1.tgz" || data.Files[0].SHA256 != "abc" || data.Files[0].Version != "1" {
		t.Fatalf("upload event = %+v (%s), %v", upload, upload.Data, err)
	}
	// A remote repository's cache fills are not uploads.
	remote := ports.Repository{Key: "proxy", Format: "generic", Type: ports.RepoRemote, UpstreamURL: "https://up.example"}
	mdOK(t, s.Repos.CreateRepository(mdCtx(t), &remote), "create remote")
	_, err = s.Files.Apply(mdCtx(t), remote.ID, ports.WriteSet{Puts: []ports.FilePut{mdPut("x", "sha256:2", true)}})
	mdOK(t, err, "Apply remote")
	for _, d := range whClaimAll(t, s.Outbox, "w1", time.Now().Add(time.Minute)) {
		if d.Event.Type != ports.EventRepositoryCreated {
			t.Fatalf("remote cache fill queued %s", d.Event.Type)
		}
	}
}

func whClaim(t *testing.T, s WebhookStores) {
	w := whNew(t, s, "ci", ports.EventPolicyChanged)
	ev := whEvent(ports.EventPolicyChanged)
	n, err := s.Outbox.PublishEvent(mdCtx(t), ev)
	mdOK(t, err, "PublishEvent")
	if n != 1 {
		t.Fatalf("PublishEvent queued %d, want 1", n)
	}
	if n, _ := s.Outbox.PublishEvent(mdCtx(t), whEvent(ports.EventPluginInstalled)); n != 0 {
		t.Fatalf("unsubscribed event queued %d", n)
	}
	now := time.Now()
	ds := whClaimAll(t, s.Outbox, "w1", now)
	if len(ds) != 1 || ds[0].Attempts != 1 || ds[0].Event.ID != ev.ID || string(ds[0].Event.Data) != `{"k":"v"}` || ds[0].WebhookID != w.ID {
		t.Fatalf("claimed %+v", ds)
	}
	if again := whClaimAll(t, s.Outbox, "w2", now); len(again) != 0 {
		t.Fatalf("a leased delivery was claimed again: %+v", again)
	}
	_, err = s.Outbox.FinishDelivery(mdCtx(t), ports.WebhookAttempt{DeliveryID: ds[0].ID, Owner: "w2", At: now})
	mdIs(t, err, ports.ErrLeaseLost, "FinishDelivery by another owner")
	retry := now.Add(time.Hour)
	_, err = s.Outbox.FinishDelivery(mdCtx(t), ports.WebhookAttempt{DeliveryID: ds[0].ID, Owner: "w1", At: now,
		ResponseCode: 503, ResponseBody: "busy", Duration: 1500 * time.Millisecond, Error: "status 503", RetryAt: retry})
	mdOK(t, err, "FinishDelivery failure")
	if early := whClaimAll(t, s.Outbox, "w1", now.Add(time.Minute)); len(early) != 0 {
		t.Fatalf("claimed before its retry time: %+v", early)
	}
	d, err := s.Outbox.GetDelivery(mdCtx(t), w.ID, ds[0].ID)
	mdOK(t, err, "GetDelivery")
	if d.Status != ports.DeliveryPending || d.ResponseCode != 503 || d.ResponseBody != "busy" || d.Duration != 1500*time.Millisecond || d.LastError != "status 503" {
		t.Fatalf("after a failed attempt: %+v", d)
	}
	mdSameTime(t, d.NextAttemptAt, retry, "NextAttemptAt")
	if h, _ := s.Hooks.GetWebhook(mdCtx(t), w.ID); h.ConsecutiveFailures != 1 {
		t.Fatalf("ConsecutiveFailures = %d, want 1", h.ConsecutiveFailures)
	}
	ds = whClaimAll(t, s.Outbox, "w1", retry)
	if len(ds) != 1 || ds[0].Attempts != 2 {
		t.Fatalf("retry claimed %+v", ds)
	}
	_, err = s.Outbox.FinishDelivery(mdCtx(t), ports.WebhookAttempt{DeliveryID: ds[0].ID, Owner: "w1", At: retry, OK: true, ResponseCode: 200})
	mdOK(t, err, "FinishDelivery success")
	d, _ = s.Outbox.GetDelivery(mdCtx(t), w.ID, ds[0].ID)
	h, _ := s.Hooks.GetWebhook(mdCtx(t), w.ID)
	if d.Status != ports.DeliverySucceeded || d.ResponseCode != 200 || h.ConsecutiveFailures != 0 {
		t.Fatalf("after success: %+v, failures %d", d, h.ConsecutiveFailures)
	}
	if more := whClaimAll(t, s.Outbox, "w1", retry.Add(time.Hour)); len(more) != 0 {
		t.Fatalf("a finished delivery was claimed: %+v", more)
	}
	// An expired lease may be taken over; the old owner's outcome is refused.
	_, err = s.Outbox.EnqueueDelivery(mdCtx(t), w.ID, whEvent(ports.EventPing), 0)
	mdOK(t, err, "EnqueueDelivery")
	t0 := time.Now().Add(time.Second)
	first := whClaimAll(t, s.Outbox, "w1", t0)
	taken := whClaimAll(t, s.Outbox, "w2", t0.Add(2*time.Minute))
	if len(first) != 1 || len(taken) != 1 || taken[0].ID != first[0].ID {
		t.Fatalf("lease take-over: first %+v, taken %+v", first, taken)
	}
	_, err = s.Outbox.FinishDelivery(mdCtx(t), ports.WebhookAttempt{DeliveryID: first[0].ID, Owner: "w1", At: now, OK: true})
	mdIs(t, err, ports.ErrLeaseLost, "FinishDelivery after take-over")
}

func whDisable(t *testing.T, s WebhookStores) {
	w := whNew(t, s, "flaky", "*")
	now := time.Now().Add(time.Hour) // after every enqueue below
	for i := 1; i <= 3; i++ {
		_, err := s.Outbox.EnqueueDelivery(mdCtx(t), w.ID, whEvent(ports.EventPing), 0)
		mdOK(t, err, "EnqueueDelivery")
		ds := whClaimAll(t, s.Outbox, "w1", now)
		if len(ds) != 1 {
			t.Fatalf("attempt %d: claimed %d", i, len(ds))
		}
		disabled, err := s.Outbox.FinishDelivery(mdCtx(t), ports.WebhookAttempt{DeliveryID: ds[0].ID, Owner: "w1", At: now,
			Error: "refused", DisableAfter: 3})
		mdOK(t, err, "FinishDelivery")
		if disabled != (i == 3) {
			t.Fatalf("attempt %d: disabled = %v", i, disabled)
		}
		d, _ := s.Outbox.GetDelivery(mdCtx(t), w.ID, ds[0].ID)
		if d.Status != ports.DeliveryFailed {
			t.Fatalf("a failure without RetryAt left status %s", d.Status)
		}
	}
	h, _ := s.Hooks.GetWebhook(mdCtx(t), w.ID)
	if h.Enabled || h.DisabledReason == "" || h.ConsecutiveFailures != 3 {
		t.Fatalf("after 3 failures: %+v", h)
	}
	// A disabled webhook's pending deliveries are not claimed, nor new events queued.
	_, err := s.Outbox.EnqueueDelivery(mdCtx(t), w.ID, whEvent(ports.EventPing), 0)
	mdOK(t, err, "EnqueueDelivery to a disabled webhook")
	if ds := whClaimAll(t, s.Outbox, "w1", now); len(ds) != 0 {
		t.Fatalf("claimed for a disabled webhook: %+v", ds)
	}
	if n, _ := s.Outbox.PublishEvent(mdCtx(t), whEvent(ports.EventPolicyChanged)); n != 0 {
		t.Fatalf("published to a disabled webhook: %d", n)
	}
}

func whTwoReplicas(t *testing.T, s WebhookStores) {
	other := s.Other
	if other == nil {
		other = s.Outbox
	}
	w := whNew(t, s, "busy", "*")
	const events = 200
	for i := 0; i < events; i++ {
		_, err := s.Outbox.EnqueueDelivery(mdCtx(t), w.ID, whEvent(ports.EventPing), 0)
		mdOK(t, err, "EnqueueDelivery")
	}
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i, o := range []ports.WebhookOutbox{s.Outbox, other, s.Outbox, other} {
		wg.Add(1)
		go func(owner string, o ports.WebhookOutbox) {
			defer wg.Done()
			for {
				ds, err := o.ClaimDeliveries(mdCtx(t), owner, time.Now(), time.Minute, 7)
				if err != nil {
					errs <- err
					return
				}
				if len(ds) == 0 {
					return
				}
				for _, d := range ds {
					mu.Lock()
					if prev, dup := seen[d.ID]; dup {
						mu.Unlock()
						errs <- fmt.Errorf("delivery %d claimed by %s and %s", d.ID, prev, owner)
						return
					}
					seen[d.ID] = owner
					mu.Unlock()
					if _, err := o.FinishDelivery(mdCtx(t), ports.WebhookAttempt{DeliveryID: d.ID, Owner: owner, At: time.Now(), OK: true}); err != nil {
						errs <- err
						return
					}
				}
			}
		}(fmt.Sprintf("replica-%d", i), o)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !isBusy(err) {
			t.Fatal(err)
		}
	}
	if len(seen) != events {
		// A claimer that gave up on a busy database leaves the rest pending.
		rest := whClaimAll(t, s.Outbox, "last", time.Now())
		if len(seen)+len(rest) != events {
			t.Fatalf("claimed %d + %d of %d deliveries", len(seen), len(rest), events)
		}
	}
}

// isBusy reports a database that asked the caller to come back later.
func isBusy(err error) bool { return err != nil && errors.Is(err, ports.ErrUnavailable) }

func whLog(t *testing.T, s WebhookStores) {
	w := whNew(t, s, "log", "*")
	x := whNew(t, s, "other", "*")
	first, err := s.Outbox.EnqueueDelivery(mdCtx(t), w.ID, whEvent(ports.EventPing), 0)
	now := time.Now().Add(time.Second)
	mdOK(t, err, "EnqueueDelivery")
	ds := whClaimAll(t, s.Outbox, "w1", now)
	for _, d := range ds {
		_, err := s.Outbox.FinishDelivery(mdCtx(t), ports.WebhookAttempt{DeliveryID: d.ID, Owner: "w1", At: now.Add(-48 * time.Hour), OK: true})
		mdOK(t, err, "FinishDelivery")
	}
	again, err := s.Outbox.EnqueueDelivery(mdCtx(t), w.ID, first.Event, first.ID)
	mdOK(t, err, "redelivery")
	if again.Event.ID != first.Event.ID || again.RedeliveryOf != first.ID || again.ID == first.ID {
		t.Fatalf("redelivery = %+v of %+v", again, first)
	}
	list, total, err := s.Outbox.ListDeliveries(mdCtx(t), w.ID, ports.Page{Limit: 10})
	mdOK(t, err, "ListDeliveries")
	if total != 2 || len(list) != 2 || list[0].ID != again.ID {
		t.Fatalf("ListDeliveries = %d %+v", total, list)
	}
	_, err = s.Outbox.GetDelivery(mdCtx(t), x.ID, first.ID)
	mdIs(t, err, ports.ErrNotFound, "GetDelivery of another webhook")
	n, err := s.Outbox.PruneDeliveries(mdCtx(t), now.Add(-24*time.Hour))
	mdOK(t, err, "PruneDeliveries")
	if n != 1 {
		t.Fatalf("pruned %d, want the one finished delivery", n)
	}
	_, total, _ = s.Outbox.ListDeliveries(mdCtx(t), w.ID, ports.Page{Limit: 10})
	mdOK(t, s.Hooks.DeleteWebhook(mdCtx(t), w.ID), "DeleteWebhook")
	_, after, _ := s.Outbox.ListDeliveries(mdCtx(t), w.ID, ports.Page{Limit: 10})
	if total != 1 || after != 0 {
		t.Fatalf("deliveries after prune %d, after delete %d", total, after)
	}
}
