package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportJSONExitsNonZeroOnFailures: with --json the report goes to
// stdout as JSON and the command still fails (exit status 1) when a file
// failed, as without --json; a run without failures succeeds.
func TestImportJSONExitsNonZeroOnFailures(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/repositories/libs":
			io.WriteString(w, `{"key":"libs","format":"generic"}`)
		case r.Method == http.MethodGet:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":{"code":"not_found","message":"no such artifact"}}`)
		case r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/bad.txt"):
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"code":"invalid","message":"refused"}}`)
		case r.Method == http.MethodPut:
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"path":"good.txt"}`)
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	}))
	defer srv.Close()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(envServer, srv.URL)
	t.Setenv(envToken, "t")
	importDir := func(names ...string) string {
		dir := t.TempDir()
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, c := range []struct {
		files    []string
		failed   int
		wantFail bool
	}{{[]string{"good.txt", "bad.txt"}, 1, true}, {[]string{"good.txt"}, 0, false}} {
		var out, errOut bytes.Buffer
		err := run([]string{"import", "files", "--from", importDir(c.files...), "--repo", "libs", "--json"}, &out, &errOut)
		var rep struct{ Imported, Failed int }
		if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
			t.Fatalf("stdout is not the JSON report: %v\n%s", jerr, out.String())
		}
		if rep.Failed != c.failed || rep.Imported != 1 || (err != nil) != c.wantFail {
			t.Fatalf("files %v: report %+v, error %v (want an error: %v)\n%s", c.files, rep, err, c.wantFail, errOut.String())
		}
	}
}
