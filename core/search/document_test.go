package search

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

func TestBuildDocument(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	repo := ports.Repository{ID: 7, Key: "js", Format: "npm"}
	versions := []ports.Version{
		{Version: "1.0.0", CreatedAt: at, Metadata: []byte(`{"description":"old","keywords":["old"]}`)},
		{Version: "1.1.0", CreatedAt: at.Add(time.Hour), Metadata: []byte(`{"description":"  Pads strings  ","keywords":"pad, string,, pad",` +
			`"license":"MIT","author":{"name":"Ann O'Nym"},"served_headers":[["X-Secret","no"]],"served_base":"http://hidden.test/x",` +
			`"served_while":"hiddenpath"}`)},
	}
	files := []ports.File{
		{Path: "a-1.0.0.tgz", Version: "1.0.0", SHA256: "aa", CreatedAt: at},
		{Path: "a-1.1.0.tgz", Version: "1.1.0", SHA256: "bb", CreatedAt: at.Add(time.Hour), Metadata: []byte(`not json`)},
	}
	d := buildDocument(repo, "left-pad", versions, files)
	if d.ID != ports.SearchDocumentID(7, "left-pad") || d.Repository != "js" || d.Format != "npm" || d.Version != "1.1.0" ||
		!slices.Equal(d.Versions, []string{"1.1.0", "1.0.0"}) || d.Description != "Pads strings" ||
		!slices.Equal(d.Keywords, []string{"pad", "string"}) || !d.UpdatedAt.Equal(at.Add(time.Hour)) || len(d.Files) != 2 {
		t.Fatalf("document = %+v", d)
	}
	if !strings.Contains(d.Text, "mit") || !strings.Contains(d.Text, "ann o nym") || strings.Contains(d.Text, "secret") ||
		strings.Contains(d.Text, "hidden") || strings.Contains(d.Text, "pads") {
		t.Fatalf("text = %q: want the other metadata's words, not the host's members (served_headers, served_base, served_while) nor the description", d.Text)
	}

	// A package with files only takes its version and description from them.
	d = buildDocument(repo, "raw", nil, []ports.File{{Path: "raw-2.tgz", Version: "2", Metadata: []byte(`{"summary":"From a file"}`)}})
	if d.Version != "2" || d.Description != "From a file" || len(d.Versions) != 0 {
		t.Fatalf("files-only document = %+v", d)
	}

	// Bounds: text and description are cut on a rune boundary.
	huge := `{"description":"` + strings.Repeat("é", 5000) + `","notes":"` + strings.Repeat("word ", 5000) + `"}`
	d = buildDocument(repo, "big", []ports.Version{{Version: "1", Metadata: []byte(huge)}}, nil)
	if len(d.Description) > maxDescBytes || len(d.Text) > maxTextBytes || !utf8Valid(d.Description) {
		t.Fatalf("bounds: description %d bytes, text %d bytes", len(d.Description), len(d.Text))
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
