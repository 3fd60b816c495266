package gomod

import (
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestCheckZipEntries(t *testing.T) {
	const mod, ver = "example.com/Lib/hello", "v1.0.0"
	p := mod + "@" + ver + "/"
	e := func(name string, size uint64) sdk.ArchiveEntry { return sdk.ArchiveEntry{Name: name, Size: size} }
	d := func(name string) sdk.ArchiveEntry { return sdk.ArchiveEntry{Name: name, IsDir: true} }
	for _, tc := range []struct {
		name    string
		entries []sdk.ArchiveEntry
		wantErr string
		goMod   bool
	}{
		{"valid with go.mod", []sdk.ArchiveEntry{e(p+"go.mod", 10), e(p+"a.go", 5), e(p+"sub/b.go", 5)}, "", true},
		{"valid with directory entries", []sdk.ArchiveEntry{d(p), d(p + "sub/"), e(p+"sub/b.go", 5)}, "", false},
		{"no prefix", []sdk.ArchiveEntry{e("hello/a.go", 1)}, `does not have prefix "example.com/Lib/hello@v1.0.0/"`, false},
		{"wrong version prefix", []sdk.ArchiveEntry{e(mod+"@v1.0.1/a.go", 1)}, "does not have prefix", false},
		{"escaped module path in prefix", []sdk.ArchiveEntry{e("example.com/!lib/hello@v1.0.0/a.go", 1)}, "does not have prefix", false},
		{"dot dot", []sdk.ArchiveEntry{e(p+"a/../b.go", 1)}, "not clean", false},
		{"leading slash", []sdk.ArchiveEntry{e(p+"/b.go", 1)}, "empty path element", false},
		{"backslash", []sdk.ArchiveEntry{e(p+`a\b.go`, 1)}, "invalid char", false},
		{"case collision", []sdk.ArchiveEntry{e(p+"README", 1), e(p+"readme", 1)}, "case-insensitive file name collision", false},
		{"duplicate", []sdk.ArchiveEntry{e(p+"a.go", 1), e(p+"a.go", 1)}, "multiple entries", false},
		{"file and directory", []sdk.ArchiveEntry{e(p+"a", 1), e(p+"a/b.go", 1)}, "both a file and a directory", false},
		{"go.mod in subdirectory", []sdk.ArchiveEntry{e(p+"a.go", 1), e(p+"sub/go.mod", 1)}, "not in module root", false},
		{"GO.MOD upper case", []sdk.ArchiveEntry{e(p+"GO.MOD", 1)}, "lowercase", false},
		{"go.mod too large", []sdk.ArchiveEntry{e(p+"go.mod", MaxGoMod+1)}, "go.mod file too large", false},
		{"LICENSE too large", []sdk.ArchiveEntry{e(p+"LICENSE", MaxLICENSE+1)}, "LICENSE file too large", false},
		{"LICENSE at the limit", []sdk.ArchiveEntry{e(p+"LICENSE", MaxLICENSE)}, "", false},
		{"total too large", []sdk.ArchiveEntry{e(p+"a.bin", MaxZipFile), e(p+"b.bin", 1)}, "total uncompressed size", false},
		{"empty", nil, "no files", false},
		{"only directories", []sdk.ArchiveEntry{d(p + "x/")}, "no files", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			zc, err := checkZipEntries(mod, ver, tc.entries)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if zc.hasGoMod != tc.goMod {
					t.Fatalf("hasGoMod = %v", zc.hasGoMod)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestCheckZipEntriesReportsAFew(t *testing.T) {
	var es []sdk.ArchiveEntry
	for i := 0; i < 20; i++ {
		es = append(es, sdk.ArchiveEntry{Name: "x/" + string(rune('a'+i))})
	}
	_, err := checkZipEntries("example.com/m", "v1.0.0", es)
	if err == nil || !strings.Contains(err.Error(), "(and 15 more)") {
		t.Fatalf("%v", err)
	}
}

func TestCheckVersion(t *testing.T) {
	for _, tc := range []struct {
		mod, ver, wantErr string
	}{
		{"example.com/m", "v1.0.0", ""},
		{"example.com/m", "v0.1.0-rc.1", ""},
		{"example.com/m/v2", "v2.3.4", ""},
		{"example.com/m", "v2.0.0+incompatible", ""},
		{"example.com/m", "v0.0.0-20240102030405-abcdefabcdef", ""},
		{"example.com/m", "v1.2.4-0.20240102030405-abcdefabcdef", ""},
		{"gopkg.in/yaml.v3", "v3.0.1", ""},
		{"example.com/m", "v1.0", "not canonical"},
		{"example.com/m", "1.0.0", "not a semantic version"},
		{"example.com/m", "v1.0.0+meta", "not canonical"},
		{"example.com/m", "v2.0.0", "invalid version"},
		{"example.com/m/v2", "v1.0.0", "invalid version"},
		{"example.com/m/v2", "v3.0.0", "invalid version"},
		{"example.com/m/v2", "v2.0.0+incompatible", "+incompatible"},
		{"example.com/m", "v1.0.0+incompatible", "+incompatible"},
		{"example.com/m", "v0.0.0-20241302030405-abcdefabcdef", "malformed time"},
		{"Example.com/m", "v1.0.0", "malformed module path"},
		{"example.com/m", "latest", "not a semantic version"},
	} {
		t.Run(tc.mod+"@"+tc.ver, func(t *testing.T) {
			err := checkVersion(tc.mod, tc.ver)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		path string
		want target
		bad  bool
	}{
		{"/example.com/!lib/hello/@v/list", target{kind: kindList, escMod: "example.com/!lib/hello", mod: "example.com/Lib/hello"}, false},
		{"/example.com/Lib/hello/@v/list", target{kind: kindList, escMod: "example.com/!lib/hello", mod: "example.com/Lib/hello"}, false},
		{"/example.com/!lib/hello/@latest", target{kind: kindLatest, escMod: "example.com/!lib/hello", mod: "example.com/Lib/hello"}, false},
		{"/example.com/m/@v/v2.0.0+incompatible.info", target{kind: kindInfo, escMod: "example.com/m", mod: "example.com/m", escVer: "v2.0.0+incompatible", ver: "v2.0.0+incompatible"}, false},
		{"/example.com/m/@v/v2.0.0%2Bincompatible.mod", target{kind: kindMod, escMod: "example.com/m", mod: "example.com/m", escVer: "v2.0.0+incompatible", ver: "v2.0.0+incompatible"}, false},
		{"/example.com/m/@v/v1.0.0-!r!c1.zip", target{kind: kindZip, escMod: "example.com/m", mod: "example.com/m", escVer: "v1.0.0-!r!c1", ver: "v1.0.0-RC1"}, false},
		{"/sumdb/sum.golang.org/supported", target{kind: kindSumDB}, false},
		{"/example.com/m/@v/v1.0.0.tar", target{}, true},
		{"/example.com/m/@v/.zip", target{}, true},
		{"/example.com/m", target{}, true},
		{"/example.com/!!m/@v/list", target{}, true},
		{"/example.com/m%zz/@v/list", target{}, true},
		{"/nodot/@v/list", target{}, true},
	} {
		t.Run(tc.path, func(t *testing.T) {
			got, err := parseTarget(tc.path)
			if tc.bad {
				if err == nil {
					t.Fatalf("want an error, got %+v", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
