package http_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

type promoteResult struct {
	Files    []string
	Versions []string
	DryRun   bool `json:"dry_run"`
}

// TestPromote: a version is copied (blobs shared, version record and
// properties along) or moved between local repositories of one format;
// conditions, conflicts, rights and formats are checked first and a
// refused promotion writes nothing.
func TestPromote(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.createRepo(map[string]any{"key": "stage", "format": "generic"})
		e.createRepo(map[string]any{"key": "release", "format": "generic", "is_public": true})
		e.createRepo(map[string]any{"key": "elsewhere", "format": "other"})
		e.publish("stage", "left-pad", "1.0.0", `{"description":"one"}`)
		e.publish("stage", "left-pad", "1.1.0", `{"description":"two"}`)
		file10 := "left-pad/-/left-pad-1.0.0.tgz"
		e.doJSON("PATCH", "/api/v1/repositories/stage/properties/"+file10, e.token,
			map[string]any{"set": map[string][]string{"qa.status": {"failed"}}}, 200, nil)
		req := map[string]any{"from": "stage", "to": "release", "package": "left-pad", "version": "1.0.0", "require": []string{"qa.status:passed"}}

		// The condition fails: 409, nothing written.
		if resp, data := e.do("POST", "/api/v1/promote", e.token, jsonBody(t, req)); resp.StatusCode != http.StatusConflict {
			t.Fatalf("failed condition: %d %s", resp.StatusCode, data)
		}
		e.doJSON("PATCH", "/api/v1/repositories/stage/properties/"+file10, e.token,
			map[string]any{"set": map[string][]string{"qa.status": {"passed"}}}, 200, nil)

		// A dry run lists and writes nothing.
		req["dry_run"] = true
		var res promoteResult
		e.doJSON("POST", "/api/v1/promote", e.token, req, 200, &res)
		if !res.DryRun || !reflect.DeepEqual(res.Files, []string{file10}) || !reflect.DeepEqual(res.Versions, []string{"left-pad@1.0.0"}) {
			t.Fatalf("dry run: %+v", res)
		}
		release, _ := e.store.GetRepository(t.Context(), "release")
		if _, err := e.store.GetFile(t.Context(), release.ID, file10); err == nil {
			t.Fatal("dry run wrote")
		}

		delete(req, "dry_run")
		e.doJSON("POST", "/api/v1/promote", e.token, req, 200, &res)
		stage, _ := e.store.GetRepository(t.Context(), "stage")
		src, err := e.store.GetFile(t.Context(), stage.ID, file10)
		if err != nil {
			t.Fatal(err)
		}
		dst, err := e.store.GetFile(t.Context(), release.ID, file10)
		if err != nil || dst.BlobDigest != src.BlobDigest || dst.Package != "left-pad" || dst.Version != "1.0.0" {
			t.Fatalf("promoted file: %+v %v", dst, err)
		}
		vs, err := e.store.ListVersions(t.Context(), release.ID, "left-pad", "", 10)
		if err != nil || len(vs) != 1 || vs[0].Version != "1.0.0" || string(vs[0].Metadata) != `{"description":"one"}` {
			t.Fatalf("promoted versions: %+v %v", vs, err)
		}
		var art struct{ Properties ports.Properties }
		e.doJSON("GET", "/api/v1/repositories/release/properties/"+file10, "", nil, 200, &art)
		if !reflect.DeepEqual(art.Properties, ports.Properties{"qa.status": {"passed"}}) {
			t.Fatalf("promoted properties: %v", art.Properties)
		}
		// The target's package search sees the promoted version.
		if _, err := e.search.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
		if r := e.searchFor(e.token, "q=left&repository=release"); r.Total != 1 {
			t.Fatalf("search in release: %+v", r)
		}

		// Again: the target has it.
		if resp, data := e.do("POST", "/api/v1/promote", e.token, jsonBody(t, req)); resp.StatusCode != http.StatusConflict {
			t.Fatalf("second promotion: %d %s", resp.StatusCode, data)
		}

		// Move 1.1.0: gone from the source, file and version.
		e.doJSON("POST", "/api/v1/promote", e.token, map[string]any{"from": "stage", "to": "release", "package": "left-pad", "version": "1.1.0", "move": true}, 200, &res)
		if _, err := e.store.GetFile(t.Context(), stage.ID, "left-pad/-/left-pad-1.1.0.tgz"); err == nil {
			t.Fatal("moved file still in the source")
		}
		if vs, _ := e.store.ListVersions(t.Context(), stage.ID, "left-pad", "", 10); len(vs) != 1 || vs[0].Version != "1.0.0" {
			t.Fatalf("source versions after move: %+v", vs)
		}
		if _, err := e.store.GetFile(t.Context(), release.ID, "left-pad/-/left-pad-1.1.0.tgz"); err != nil {
			t.Fatalf("moved file not in the target: %v", err)
		}

		// Bad requests.
		for name, body := range map[string]map[string]any{
			"another format":  {"from": "stage", "to": "elsewhere", "package": "left-pad"},
			"same repository": {"from": "stage", "to": "stage", "package": "left-pad"},
			"nothing named":   {"from": "stage", "to": "release"},
			"both selections": {"from": "stage", "to": "release", "package": "left-pad", "paths": []string{file10}},
		} {
			if resp, data := e.do("POST", "/api/v1/promote", e.token, jsonBody(t, body)); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("%s: %d %s", name, resp.StatusCode, data)
			}
		}
		if resp, _ := e.do("POST", "/api/v1/promote", e.token, jsonBody(t, map[string]any{"from": "stage", "to": "release", "package": "nope"})); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown package: %d", resp.StatusCode)
		}

		// Readers may not promote into a repository they cannot write.
		_, reader := e.addUser("rita", nil)
		e.putPolicy(readerPolicy())
		if resp, _ := e.do("POST", "/api/v1/promote", reader, jsonBody(t, map[string]any{"from": "stage", "to": "release", "paths": []string{file10}})); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("reader promotes: %d", resp.StatusCode)
		}

		var events struct{ Total int }
		e.doJSON("GET", "/api/v1/admin/audit?action=artifact.promote", e.token, nil, 200, &events)
		if events.Total != 2 {
			t.Fatalf("promotions audited %d times, want 2", events.Total)
		}
	})
}
