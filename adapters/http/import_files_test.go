package http

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/importer"
	"github.com/keeper-registry/keeper/ports"
)

// fakeImportFiles answers by path and records what it was given.
type fakeImportFiles struct {
	repo, path, body string
	sums             importer.Checksums
}

func (f *fakeImportFiles) DeployFile(_ context.Context, _ ports.Subject, repo, path string, body io.Reader, sums importer.Checksums) error {
	b, _ := io.ReadAll(body)
	f.repo, f.path, f.body, f.sums = repo, path, string(b), sums
	switch path {
	case "index.yaml":
		return &importer.SkipError{Reason: "the source's own index"}
	case "pkg/1.0/stored.tgz":
		return &ports.ConflictError{Message: "1.0 exists"}
	case "bad.tgz":
		return fmt.Errorf("upload: %w", importer.ErrChecksumMismatch)
	case "wrong.tgz":
		return &importer.RefusedError{Message: "the repository answered 400: names another package"}
	case "app/1.0/manifest.json":
		return fmt.Errorf("the repository answered 424: blob unknown: %w", importer.ErrPending)
	case "missing/x":
		return fmt.Errorf("repository: %w", ports.ErrNotFound)
	}
	return nil
}

// The per-file import route answers each outcome with its status and
// passes the export's checksums on.
func TestImportFileRoute(t *testing.T) {
	gin.SetMode(gin.TestMode)
	f := &fakeImportFiles{}
	r := gin.New()
	rt := ImportFileRoutes(f)[0]
	r.Handle(rt.Method, "/api/v1"+rt.Path, rt.Handlers...)
	for _, c := range []struct {
		path    string
		status  int
		outcome string
		want    string
	}{
		{"pkg/1.0/new.tgz", 201, importer.Imported, ""},
		{"index.yaml", 200, importer.Skipped, "the source's own index"},
		{"pkg/1.0/stored.tgz", 200, importer.Skipped, "1.0 exists"},
		{"bad.tgz", 422, "", "checksum_mismatch"},
		{"wrong.tgz", 422, "", "names another package"},
		{"missing/x", 404, "", "not_found"},
		{"app/1.0/manifest.json", 424, "", `"pending"`},
	} {
		req := httptest.NewRequest("PUT", "/api/v1/admin/imports/files/libs/"+c.path, strings.NewReader("bytes"))
		req.Header.Set("X-Checksum-Sha1", "aa")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != c.status || !strings.Contains(w.Body.String(), c.want) {
			t.Fatalf("%s: %d %s", c.path, w.Code, w.Body)
		}
		var got struct{ Outcome, Reason string }
		if c.outcome != "" && (json.Unmarshal(w.Body.Bytes(), &got) != nil || got.Outcome != c.outcome) {
			t.Fatalf("%s: %s", c.path, w.Body)
		}
		if f.repo != "libs" || f.path != c.path || f.body != "bytes" || f.sums.SHA1 != "aa" {
			t.Fatalf("%s: handed %+v", c.path, f)
		}
	}
}
