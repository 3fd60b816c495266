package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// hookReceiver records every POST; mode says how it answers: 200, 500, or
// hang until the client goes away.
type hookReceiver struct {
	srv  *httptest.Server
	mode atomic.Value // "ok" | "fail" | "hang"
	mu   sync.Mutex
	got  []hookRequest
}

type hookRequest struct {
	Header http.Header
	Body   []byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.mode.Store("ok")
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, hookRequest{req.Header.Clone(), body})
		r.mu.Unlock()
		switch r.mode.Load() {
		case "fail":
			http.Error(w, "receiver is down", http.StatusInternalServerError)
		case "hang":
			<-req.Context().Done()
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// url is the receiver's address under the name "localhost".
func (r *hookReceiver) url(t *testing.T) string {
	u, err := url.Parse(r.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return "http://localhost:" + u.Port() + "/hook"
}

// waitFor waits until a request matching ok arrived and returns it.
func (r *hookReceiver) waitFor(t *testing.T, what string, ok func(hookRequest) bool) hookRequest {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for _, q := range r.got {
			if ok(q) {
				r.mu.Unlock()
				return q
			}
		}
		r.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("webhook receiver: no %s arrived", what)
	return hookRequest{}
}

// waitCount waits until n requests matching ok arrived.
func (r *hookReceiver) waitCount(t *testing.T, what string, ok func(hookRequest) bool, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if r.count(ok) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("webhook receiver: %d of %s did not arrive (got %d)", n, what, r.count(ok))
}

func (r *hookReceiver) count(ok func(hookRequest) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, q := range r.got {
		if ok(q) {
			n++
		}
	}
	return n
}

// verifyHookSignature checks X-Keeper-Signature with an HMAC computed here:
// each v1 is hex(HMAC-SHA256(secret, "<t>.<body>")); it returns how many
// of the given secrets one of the v1 values matches.
func verifyHookSignature(t *testing.T, q hookRequest, secrets ...string) int {
	t.Helper()
	header := q.Header.Get("X-Keeper-Signature")
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		if k == "t" {
			ts = v
		} else if k == "v1" {
			sigs = append(sigs, v)
		}
	}
	if ts == "" || len(sigs) == 0 {
		t.Fatalf("signature header %q", header)
	}
	matched := 0
	for _, s := range secrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write([]byte(ts + "." + string(q.Body)))
		want := hex.EncodeToString(m.Sum(nil))
		for _, sig := range sigs {
			if sig == want {
				matched++
				break
			}
		}
	}
	return matched
}

type hookEvent struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Repository string          `json:"repository"`
	Data       json.RawMessage `json:"data"`
}

func eventOf(q hookRequest) hookEvent {
	var ev hookEvent
	_ = json.Unmarshal(q.Body, &ev)
	return ev
}

// uploadedPath matches an artifact.uploaded event of path.
func uploadedPath(path string) func(hookRequest) bool {
	return func(q hookRequest) bool {
		ev := eventOf(q)
		return ev.Type == "artifact.uploaded" && strings.Contains(string(ev.Data), `"path":"`+path+`"`)
	}
}

// TestWebhooks: with a real keeper and a local receiver: a loopback URL
// is refused unless the egress settings allow its host; an upload arrives
// signed; a rotation signs with both secrets; a failing receiver is retried
// then the webhook disabled (audited); an event committed but not
// delivered when keeper is killed arrives after the restart.
func TestWebhooks(t *testing.T) {
	t.Parallel()
	harness.EachDB(t, func(t *testing.T, db harness.DB) {
		rcv := newHookReceiver(t)
		k := harness.Start(t, harness.Options{DB: db, Env: []string{
			"KEEPER_EGRESS_ALLOWED_HOSTS=localhost",
			"KEEPER_WEBHOOKS_POLL=100ms", "KEEPER_WEBHOOKS_TIMEOUT=1s",
			"KEEPER_WEBHOOKS_RETRY_BASE=100ms", "KEEPER_WEBHOOKS_RETRY_MAX=200ms",
			"KEEPER_WEBHOOKS_MAX_ATTEMPTS=3", "KEEPER_WEBHOOKS_DISABLE_AFTER=5"}})
		const secret = "first-secret-0123456789"
		body := func(u string) map[string]any {
			return map[string]any{"name": "ci", "url": u, "events": []string{"artifact.uploaded", "repository.created"}, "secret": secret}
		}
		// The egress guard: 127.0.0.1 is loopback and not an allowed host.
		r := k.Expect(http.StatusBadRequest, http.MethodPost, "/api/v1/webhooks", harness.JSONBody(body(strings.Replace(rcv.url(t), "localhost", "127.0.0.1", 1))),
			"Content-Type", "application/json")
		if !strings.Contains(r.String(), "egress") {
			t.Errorf("refusal does not name the egress guard: %s", r)
		}
		r = k.Expect(http.StatusCreated, http.MethodPost, "/api/v1/webhooks", harness.JSONBody(body(rcv.url(t))), "Content-Type", "application/json")
		var hook struct {
			ID        int64 `json:"id"`
			HasSecret bool  `json:"has_secret"`
		}
		if err := r.JSON(&hook); err != nil || !hook.HasSecret || strings.Contains(r.String(), secret) {
			t.Fatalf("create: %s", r)
		}
		hookPath := fmt.Sprintf("/api/v1/webhooks/%d", hook.ID)

		k.CreateRepo(harness.Repo{Key: "hooked"})
		rcv.waitFor(t, "repository.created", func(q hookRequest) bool { return eventOf(q).Type == "repository.created" })
		if res, err := k.Upload("hooked", "dist/app-1.0.tgz", []byte("release one")); err != nil || res.Status != http.StatusCreated {
			t.Fatalf("upload: %v %v", res, err)
		}
		q := rcv.waitFor(t, "artifact.uploaded", uploadedPath("dist/app-1.0.tgz"))
		ev := eventOf(q)
		if verifyHookSignature(t, q, secret) != 1 || ev.Repository != "hooked" || q.Header.Get("X-Keeper-Event-Id") != ev.ID ||
			q.Header.Get("X-Keeper-Event") != "artifact.uploaded" || q.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("delivery %s %s does not verify or lacks headers", q.Header, q.Body)
		}

		// Rotation: both secrets sign during the overlap.
		const next = "second-secret-0123456789"
		k.Expect(http.StatusOK, http.MethodPost, hookPath+"/secret", harness.JSONBody(map[string]string{"secret": next, "overlap": "1h"}),
			"Content-Type", "application/json")
		if res, err := k.Upload("hooked", "dist/app-1.1.tgz", []byte("release two")); err != nil || res.Status != http.StatusCreated {
			t.Fatalf("upload: %v %v", res, err)
		}
		q = rcv.waitFor(t, "artifact.uploaded after rotation", uploadedPath("dist/app-1.1.tgz"))
		if verifyHookSignature(t, q, next, secret) != 2 {
			t.Fatalf("during the overlap the delivery is not signed with both secrets: %s", q.Header.Get("X-Keeper-Signature"))
		}

		// A failing receiver: 3 attempts per delivery, disabled after 5 failures in a row.
		rcv.mode.Store("fail")
		for _, p := range []string{"fail/1.tgz", "fail/2.tgz"} {
			if res, err := k.Upload("hooked", p, []byte(p)); err != nil || res.Status != http.StatusCreated {
				t.Fatalf("upload: %v %v", res, err)
			}
		}
		deadline := time.Now().Add(60 * time.Second)
		var state struct {
			Enabled        bool   `json:"enabled"`
			DisabledReason string `json:"disabled_reason"`
		}
		for time.Now().Before(deadline) {
			_ = k.Expect(http.StatusOK, http.MethodGet, hookPath, nil).JSON(&state)
			if !state.Enabled {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if state.Enabled || state.DisabledReason == "" {
			t.Fatalf("the webhook was not disabled: %+v", state)
		}
		// The two deliveries are attempted by parallel workers in any
		// order: the fifth failure in a row disables the webhook, when
		// one has had its 3 attempts and the other 2 (or 3, when its last
		// was already in flight).
		tries := []int{rcv.count(uploadedPath("fail/1.tgz")), rcv.count(uploadedPath("fail/2.tgz"))}
		if sum := tries[0] + tries[1]; sum < 5 || sum > 6 || max(tries[0], tries[1]) != 3 {
			t.Errorf("fail/1.tgz and fail/2.tgz were tried %v times, want 3 and 2 (or 3)", tries)
		}
		var log struct {
			Items []struct {
				ID           int64  `json:"id"`
				Status       string `json:"status"`
				Attempts     int    `json:"attempts"`
				ResponseCode int    `json:"response_code"`
				ResponseBody string `json:"response_body"`
			} `json:"items"`
		}
		if err := k.Expect(http.StatusOK, http.MethodGet, hookPath+"/deliveries", nil).JSON(&log); err != nil || len(log.Items) < 4 {
			t.Fatalf("delivery log: %v %+v", err, log)
		}
		// Newest first: fail/2, fail/1. A delivery with its 3 attempts
		// failed; one with fewer waits (pending) while the webhook is
		// disabled.
		paths := []string{"fail/1.tgz", "fail/2.tgz"}
		failed, failedPath := log.Items[1], paths[0]
		for i, d := range []int{1, 0} {
			item := log.Items[d]
			if item.Attempts != tries[i] || item.ResponseCode != 500 || !strings.Contains(item.ResponseBody, "receiver is down") ||
				(item.Attempts == 3) != (item.Status == "failed") || (item.Attempts < 3) != (item.Status == "pending") {
				t.Errorf("delivery of %s in the log (tried %d times): %+v", paths[i], tries[i], item)
			}
			if tries[i] == 3 {
				failed, failedPath = item, paths[i]
			}
		}
		var audit struct {
			Items []struct{ Action, Actor, Target string } `json:"items"`
		}
		_ = k.Expect(http.StatusOK, http.MethodGet, "/api/v1/admin/audit?action=webhook.disable", nil).JSON(&audit)
		if len(audit.Items) != 1 || audit.Items[0].Actor != "system" || audit.Items[0].Target != "ci" {
			t.Errorf("audit of the disable: %+v", audit.Items)
		}

		// Redelivery after the receiver recovered, once enabled again.
		rcv.mode.Store("ok")
		k.Expect(http.StatusOK, http.MethodPatch, hookPath, harness.JSONBody(map[string]bool{"enabled": true}), "Content-Type", "application/json")
		k.Expect(http.StatusAccepted, http.MethodPost, fmt.Sprintf("%s/deliveries/%d/redeliver", hookPath, failed.ID), nil)
		rcv.waitCount(t, "redelivery", uploadedPath(failedPath), 4)
		k.Expect(http.StatusAccepted, http.MethodPost, hookPath+"/ping", nil)
		rcv.waitFor(t, "ping", func(q hookRequest) bool { return eventOf(q).Type == "ping" })

		// Crash: the event is committed, its delivery is in flight (the
		// receiver hangs); SIGKILL; after the restart it is delivered.
		rcv.mode.Store("hang")
		if res, err := k.Upload("hooked", "crash/1.tgz", []byte("crash")); err != nil || res.Status != http.StatusCreated {
			t.Fatalf("upload: %v %v", res, err)
		}
		rcv.waitFor(t, "the hanging delivery", uploadedPath("crash/1.tgz"))
		k.Kill()
		rcv.mode.Store("ok")
		k.Restart()
		rcv.waitCount(t, "the delivery after the restart", uploadedPath("crash/1.tgz"), 2)
		var ids []string
		rcv.mu.Lock()
		for _, q := range rcv.got {
			if uploadedPath("crash/1.tgz")(q) {
				ids = append(ids, q.Header.Get("X-Keeper-Event-Id"))
			}
		}
		rcv.mu.Unlock()
		if len(ids) < 2 || ids[0] != ids[len(ids)-1] {
			t.Errorf("the redelivered event has another id: %v", ids)
		}
	})
}
