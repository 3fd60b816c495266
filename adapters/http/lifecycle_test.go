package http_test

import (
	"bytes"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/bunstore"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/lifecycle"
	"github.com/keeper-registry/keeper/ports"
)

type lcClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *lcClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

type lcReport struct {
	DryRun bool `json:"dry_run"`
	Items  []struct {
		Package, Version, Reason string
		Paths                    []string
	}
}

func (r lcReport) versions() []string {
	var out []string
	for _, it := range r.Items {
		out = append(out, it.Package+"@"+it.Version)
	}
	return out
}

// putVersion stores one file of pkg@version created at the given time.
func putVersion(t *testing.T, s *bunstore.Store, repo, pkg, version string, created time.Time) {
	t.Helper()
	r, err := s.GetRepository(t.Context(), repo)
	if err != nil {
		t.Fatal(err)
	}
	f := ports.File{Path: pkg + "/" + version + "/" + pkg + ".tgz", BlobDigest: "sha256:" + searchSum, SHA256: searchSum,
		Size: 10, Package: pkg, Version: version, CreatedAt: created}
	if _, err := s.Apply(t.Context(), r.ID, ports.WriteSet{Puts: []ports.FilePut{{File: f}},
		Versions: []ports.VersionPut{{Package: pkg, Version: version, Metadata: []byte(`{}`)}}}); err != nil {
		t.Fatal(err)
	}
}

// TestLifecycle: keep-last, age and download rules select exactly what a
// preview lists; a run deletes that (files and version records), records
// itself on the policy and in the audit log; quotas refuse writes past the
// limit with 413.
func TestLifecycle(t *testing.T) {
	for name, dsn := range databases(t) {
		t.Run(name, func(t *testing.T) {
			day := 24 * time.Hour
			now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
			clock := &lcClock{t: now}
			e := newEnvRoutes(t, dsn(t), 1<<20, func(s *bunstore.Store) []httpapi.Route {
				svc := lifecycle.New(lifecycle.Deps{Store: s, Repos: s, Files: s, Downloads: s, Clock: clock})
				return httpapi.LifecycleRoutes(svc, s)
			})
			e.createRepo(map[string]any{"key": "libs", "format": "generic"})
			for i, v := range []string{"1.0.0", "1.1.0", "1.2.0", "2.0.0"} {
				putVersion(t, e.store, "libs", "app", v, now.Add(-time.Duration(100-10*i)*day)) // 100, 90, 80, 70 days old
			}
			putVersion(t, e.store, "libs", "tool", "0.1.0", now.Add(-200*day))
			putVersion(t, e.store, "libs", "tool", "0.2.0", now.Add(-1*day))

			var pol struct {
				ID        int64
				OlderThan string `json:"older_than"`
			}
			e.doJSON("POST", "/api/v1/lifecycle/policies", e.token, map[string]any{"name": "keep-2", "repository": "libs", "keep_last": 2}, 201, &pol)
			var rep lcReport
			e.doJSON("POST", "/api/v1/lifecycle/policies/"+itoa(pol.ID)+"/preview", e.token, nil, 200, &rep)
			if !rep.DryRun || !reflect.DeepEqual(rep.versions(), []string{"app@1.0.0", "app@1.1.0"}) {
				t.Fatalf("keep-2 preview: %+v", rep)
			}
			// Age and keep-last together: older than 85 days, newest 2 kept.
			e.doJSON("PUT", "/api/v1/lifecycle/policies/"+itoa(pol.ID), e.token, map[string]any{"name": "keep-2", "keep_last": 1, "older_than": "85d"}, 200, &pol)
			if pol.OlderThan != "85d" {
				t.Fatalf("older_than echoed %q", pol.OlderThan)
			}
			e.doJSON("POST", "/api/v1/lifecycle/policies/"+itoa(pol.ID)+"/preview", e.token, nil, 200, &rep)
			if !reflect.DeepEqual(rep.versions(), []string{"app@1.0.0", "app@1.1.0", "tool@0.1.0"}) {
				t.Fatalf("age preview: %+v", rep)
			}
			// The clock moves on: 1.2.0 (80 days) passes 85 days too.
			clock.mu.Lock()
			clock.t = now.Add(10 * day)
			clock.mu.Unlock()
			e.doJSON("POST", "/api/v1/lifecycle/policies/"+itoa(pol.ID)+"/preview", e.token, nil, 200, &rep)
			if !reflect.DeepEqual(rep.versions(), []string{"app@1.0.0", "app@1.1.0", "app@1.2.0", "tool@0.1.0"}) {
				t.Fatalf("age preview later: %+v", rep)
			}

			// Not downloaded: a download of app 1.1.0 within the window keeps it.
			if err := e.store.AddDownloads(t.Context(), []ports.DownloadCount{{Day: ports.DayOf(now.Add(5 * day)), Repository: "libs",
				Path: "app/1.1.0/app.tgz", Downloads: 1, Bytes: 10}}); err != nil {
				t.Fatal(err)
			}
			var dl struct{ ID int64 }
			e.doJSON("POST", "/api/v1/lifecycle/policies", e.token, map[string]any{"name": "unused", "repository": "libs",
				"not_downloaded_for": "30d", "include": "app"}, 201, &dl)
			e.doJSON("POST", "/api/v1/lifecycle/policies/"+itoa(dl.ID)+"/preview", e.token, nil, 200, &rep)
			if !reflect.DeepEqual(rep.versions(), []string{"app@1.0.0", "app@1.2.0", "app@2.0.0"}) {
				t.Fatalf("not-downloaded preview: %+v", rep)
			}
			e.doJSON("DELETE", "/api/v1/lifecycle/policies/"+itoa(dl.ID), e.token, nil, 204, nil)

			// The run deletes what the preview listed, nothing else.
			var preview lcReport
			e.doJSON("POST", "/api/v1/lifecycle/policies/"+itoa(pol.ID)+"/preview", e.token, nil, 200, &preview)
			e.doJSON("POST", "/api/v1/lifecycle/policies/"+itoa(pol.ID)+"/run", e.token, nil, 200, &rep)
			if rep.DryRun || !reflect.DeepEqual(rep.versions(), preview.versions()) {
				t.Fatalf("run %+v, preview %+v", rep, preview)
			}
			libs, _ := e.store.GetRepository(t.Context(), "libs")
			files, _ := e.store.ListFiles(t.Context(), libs.ID, ports.FileListing{Limit: 100})
			if got := mdPaths(files); !reflect.DeepEqual(got, []string{"app/2.0.0/app.tgz", "tool/0.2.0/tool.tgz"}) {
				t.Fatalf("left after the run: %v", got)
			}
			if vs, _ := e.store.ListVersions(t.Context(), libs.ID, "app", "", 10); len(vs) != 1 || vs[0].Version != "2.0.0" {
				t.Fatalf("app versions after the run: %+v", vs)
			}
			var after struct {
				LastDeleted int64  `json:"last_deleted"`
				LastRunAt   string `json:"last_run_at"`
			}
			e.doJSON("GET", "/api/v1/lifecycle/policies/"+itoa(pol.ID), e.token, nil, 200, &after)
			if after.LastDeleted != 4 || after.LastRunAt == "" {
				t.Fatalf("policy after the run: %+v", after)
			}
			var events struct{ Total int }
			e.doJSON("GET", "/api/v1/admin/audit?action=lifecycle.policy.run", e.token, nil, 200, &events)
			if events.Total != 1 {
				t.Fatalf("runs audited %d times", events.Total)
			}

			// Bad policies are 400s; users may not manage policies.
			for _, body := range []map[string]any{
				{"name": "x", "repository": "libs"},
				{"name": "Bad Name", "repository": "libs", "keep_last": 1},
				{"name": "y", "repository": "libs", "older_than": "soon"},
				{"name": "z", "repository": "libs", "keep_last": 1, "include": "["},
			} {
				if resp, data := e.do("POST", "/api/v1/lifecycle/policies", e.token, jsonBody(t, body)); resp.StatusCode != 400 {
					t.Fatalf("%v: %d %s", body, resp.StatusCode, data)
				}
			}
			_, user := e.addUser("ursula", nil)
			if resp, _ := e.do("POST", "/api/v1/lifecycle/policies/"+itoa(pol.ID)+"/run", user, nil); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("user runs a policy: %d", resp.StatusCode)
			}

			// Quotas: 20 bytes held; a limit of 40 takes 20 more, not 21.
			e.createRepo(map[string]any{"key": "small", "format": "generic"})
			var q struct {
				MaxBytes  int64 `json:"max_bytes"`
				UsedBytes int64 `json:"used_bytes"`
				Warning   bool
			}
			e.doJSON("PUT", "/api/v1/repositories/small/quota", e.token, map[string]any{"max_bytes": 40, "warn_bytes": 30}, 200, &q)
			put := func(path string, n int) *http.Response {
				resp, _ := e.do("PUT", "/api/v1/repositories/small/artifacts/"+path, e.token, bytes.NewReader(bytes.Repeat([]byte("x"), n)))
				return resp
			}
			if r := put("a", 20); r.StatusCode != 201 {
				t.Fatalf("first put: %d", r.StatusCode)
			}
			if r := put("b", 21); r.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("put past the quota: %d", r.StatusCode)
			}
			if r := put("b", 20); r.StatusCode != 201 {
				t.Fatalf("put up to the quota: %d", r.StatusCode)
			}
			e.doJSON("GET", "/api/v1/repositories/small/quota", e.token, nil, 200, &q)
			if q.MaxBytes != 40 || q.UsedBytes != 40 || !q.Warning {
				t.Fatalf("quota: %+v", q)
			}
			if r := put("c", 1); r.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("put at the quota: %d", r.StatusCode)
			}
			e.doJSON("PUT", "/api/v1/repositories/small/quota", e.token, map[string]any{"max_bytes": 0, "warn_bytes": 0}, 200, nil)
			if r := put("c", 1); r.StatusCode != 201 {
				t.Fatalf("put without a quota: %d", r.StatusCode)
			}
		})
	}
}

func mdPaths(fs []ports.File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Path)
	}
	return out
}
