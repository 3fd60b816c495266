package main

import (
	"context"
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
	if got := exp.Imports["keeper:format/host@0.1.0\x00read-blob"].String(); got != "(i32 i32 i64 i32 i32) -> ()" {
		t.Errorf("read-blob import: %s", got)
	}
	if got := exp.Imports["keeper:format/host@0.1.0\x00stage-file"].String(); !strings.HasPrefix(got, "(i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)") {
		t.Errorf("stage-file import: %s", got)
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
