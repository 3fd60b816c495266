package core

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// formatHeaders match header names that belong to one package format's
// protocol; the host reads only the carriers a plugin declares in describe.
var formatHeaders = regexp.MustCompile(`(?i)\b(x-nuget-[a-z-]+|npm-[a-z-]+|docker-[a-z-]+|x-pypi-[a-z-]+|x-maven-[a-z-]+|cargo-[a-z-]+|helm-[a-z-]+|oci-[a-z-]+)\b`)

// plainWords are English phrases that contain a format key without naming
// the format ("64 hex digits"), the Casbin model's request field "pub"
// (is the repository public: "r = sub, obj, act, pub", "r.pub"), and the
// two names the scanners' image input needs, which belong to the OCI image
// layout standard the scanners read, not to a repository format: the
// layout's marker file "oci-layout" and Grype's source scheme "oci-dir:".
var plainWords = regexp.MustCompile(`(?i)\bhex (digit|character)s?\b|\bact, pub\b|\br\.pub\b|^oci-layout$|^oci-dir:$`)

// TestHostCodeNamesNoFormat fails when a string literal in host code (core/,
// ports/, adapters/, cmd/; tests excluded) names a plugin's format key or
// a format's own header: format knowledge belongs in plugins/.
func TestHostCodeNamesNoFormat(t *testing.T) {
	entries, err := os.ReadDir("../plugins")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "plugintest" {
			keys = append(keys, regexp.QuoteMeta(e.Name()))
		}
	}
	if len(keys) < 8 {
		t.Fatalf("found only %d plugin folders", len(keys))
	}
	pluginKey := regexp.MustCompile(`(?i)\b(` + strings.Join(keys, "|") + `)\b`)
	checked := 0
	for _, root := range []string{"../core", "../ports", "../adapters", "../cmd"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || strings.HasSuffix(path, "test") && path != root) {
				return fs.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			checked++
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if _, ok := n.(*ast.ImportSpec); ok {
					return false // "encoding/hex" is a package, not a format
				}
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				if m := pluginKey.FindString(plainWords.ReplaceAllString(s, "")); m != "" {
					t.Errorf("%s: string %q names the format %q", path, s, m)
				}
				if m := formatHeaders.FindString(plainWords.ReplaceAllString(s, "")); m != "" {
					t.Errorf("%s: string %q names the format header %q", path, s, m)
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 50 {
		t.Fatalf("checked only %d files", checked)
	}
}
