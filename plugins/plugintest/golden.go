package plugintest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Golden compares got with the golden file testdata/<name> (a slash path)
// of the calling package; with -update it writes the file instead.
func Golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	p := filepath.Join("testdata", filepath.FromSlash(name))
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		tb.Fatalf("golden %s: %v (go test -update writes it)", name, err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// GoldenJSON is Golden for a JSON document, compared indented (two spaces,
// final newline) so golden files stay readable and diffable.
func GoldenJSON(tb testing.TB, name string, got []byte) {
	tb.Helper()
	var v any
	if err := json.Unmarshal(got, &v); err != nil {
		tb.Fatalf("%s: not JSON: %v\n%s", name, err, got)
	}
	pretty, _ := json.MarshalIndent(v, "", "  ")
	Golden(tb, name, append(pretty, '\n'))
}
