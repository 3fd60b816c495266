package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const witFile = "../../wit/keeper-format.wit"

func build(t *testing.T, dir, pkg string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "p.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExpectDerivesCanonicalSignatures(t *testing.T) {
	exp, err := Expect(witFile, "format-plugin")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"handle":                   "(i32) -> (i32)",
		"describe":                 "() -> (i32)",
		"classify":                 "(i32 i32) -> (i32)",
		"rewrite":                  "(i32 i32 i32 i32 i32 i32 i32 i32) -> (i32)",
		"cabi_post_handle":         "(i32) -> ()",
		"cabi_post_parse-metadata": "(i32) -> ()",
	} {
		if got := exp.Exports[name].String(); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	if _, ok := exp.Exports["cabi_post_classify"]; ok {
		t.Error("classify returns no pointer and needs no cabi_post")
	}
	if got := exp.Imports["keeper:format/host@0.9.0\x00read-blob"].String(); got != "(i32 i32 i64 i32 i32) -> ()" {
		t.Errorf("read-blob import: %s", got)
	}
	if got := exp.Imports["keeper:format/host@0.9.0\x00stage-file"].String(); !strings.HasPrefix(got, "(i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)") {
		t.Errorf("stage-file import: %s", got)
	}
	if got := exp.Imports["keeper:format/host@0.9.0\x00assemble"].String(); got != "(i32 i32 i32 i32 i32 i32) -> ()" {
		t.Fatalf("assemble: %s", got)
	}
	if got := exp.Imports["keeper:format/host@0.9.0\x00json-members"].String(); got != "(i32 i32 i32 i32 i32 i32) -> ()" {
		t.Errorf("json-members import: %s", got)
	}
}

func TestGenericPluginMatches(t *testing.T) {
	exp, err := Expect(witFile, "format-plugin")
	if err != nil {
		t.Fatal(err)
	}
	bin := build(t, "../../plugins/generic", "./wasm")
	if err := Check(context.Background(), exp, bin); err != nil {
		t.Fatal(err)
	}
}

func TestRawModuleIsRefused(t *testing.T) {
	exp, err := Expect(witFile, "format-plugin")
	if err != nil {
		t.Fatal(err)
	}
	bin := build(t, "../../adapters/wasm/testdata", "./malformed")
	err = Check(context.Background(), exp, bin)
	if err == nil || !strings.Contains(err.Error(), "missing export validate") {
		t.Fatalf("want missing exports, got %v", err)
	}
}

// TestEmbeddedWITIsFresh fails when the embedded copies differ from wit/.
func TestEmbeddedWITIsFresh(t *testing.T) {
	for _, p := range []string{"keeper-format.wit", "0.8.0/keeper-format.wit", "0.7.0/keeper-format.wit", "0.6.0/keeper-format.wit", "0.5.0/keeper-format.wit", "0.4.0/keeper-format.wit", "0.3.0/keeper-format.wit", "0.2.0/keeper-format.wit", "0.1.0/keeper-format.wit"} {
		want, err := os.ReadFile(filepath.Join("../../wit", p))
		if err != nil {
			t.Fatal(err)
		}
		got, err := contracts.ReadFile("wit/" + p)
		if err != nil || string(got) != string(want) {
			t.Errorf("tools/witcheck/wit/%s is stale: cp wit/%s tools/witcheck/wit/%s", p, p, p)
		}
	}
}

// TestBothContractsAccepted checks a 0.9.0 module and the 0.1.0 example
// module kept in e2e/testdata against the embedded contracts, and refuses
// a module that mixes the two versions' imports.
func TestBothContractsAccepted(t *testing.T) {
	exp, err := ExpectEmbedded("format-plugin")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := exp.Imports["keeper:format/host@0.1.0\x00read-blob"]; !ok {
		t.Fatal("0.1.0 imports missing")
	}
	if _, ok := exp.Imports["keeper:format/host@0.2.0\x00concat-ranges"]; !ok {
		t.Fatal("0.2.0 imports missing")
	}
	if _, ok := exp.Imports["keeper:format/host@0.3.0\x00sign"]; !ok {
		t.Fatal("0.3.0 imports missing")
	}
	if _, ok := exp.Imports["keeper:format/host@0.4.0\x00sign"]; !ok {
		t.Fatal("0.4.0 imports missing")
	}
	if _, ok := exp.Imports["keeper:format/host@0.5.0\x00json-members"]; !ok {
		t.Fatal("0.5.0 imports missing")
	}
	if _, ok := exp.Imports["keeper:format/host@0.6.0\x00assemble"]; !ok {
		t.Fatal("0.6.0 imports missing")
	}
	if _, ok := exp.Imports["keeper:format/host@0.7.0\x00json-spans"]; !ok {
		t.Fatal("0.7.0 imports missing")
	}
	if _, ok := exp.Imports["keeper:format/host@0.8.0\x00assemble"]; !ok {
		t.Fatal("0.8.0 imports missing")
	}
	if _, ok := exp.Imports["keeper:format/host@0.9.0\x00assemble"]; !ok {
		t.Fatal("0.9.0 imports missing")
	}
	if !exp.Optional["rewrite-held"] || exp.Optional["rewrite"] {
		t.Fatalf("optional exports %v: want rewrite-held (0.9.0) and not rewrite", exp.Optional)
	}
	if _, ok := exp.Imports["keeper:format/host@0.5.0\x00assemble"]; ok {
		t.Fatal("0.5.0 has a 0.6.0 import")
	}
	if _, ok := exp.Imports["keeper:format/host@0.4.0\x00json-members"]; ok {
		t.Fatal("0.4.0 has a 0.5.0 import")
	}
	if _, ok := exp.Imports["keeper:format/host@0.1.0\x00concat-ranges"]; ok {
		t.Fatal("0.1.0 has a 0.2.0 import")
	}
	gz, err := os.ReadFile("../../e2e/testdata/vagrant-0.1.0/vagrant.wasm.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(context.Background(), exp, legacy); err != nil {
		t.Fatalf("0.1.0 module: %v", err)
	}
	if err := Check(context.Background(), exp, build(t, "../../plugins/generic", "./wasm")); err != nil {
		t.Fatalf("0.9.0 module: %v", err)
	}
}
