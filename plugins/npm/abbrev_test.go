package npm

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// TestAppendAbbreviatedMatchesEncodingJSON checks that the reflection-free
// abbreviated object is byte for byte what encoding/json makes of the same
// version document, and that it declines what it cannot mirror.
func TestAppendAbbreviatedMatchesEncodingJSON(t *testing.T) {
	docs := []struct {
		name, meta string
		fast       bool
	}{
		{"plain", `{"name":"a","version":"1.0.0","description":"x","dist":{"tarball":"t","shasum":"s"}}`, true},
		{"spaces and order", "{ \"dist\" : {\"a\" : [1, 2]} ,\n\"version\":\"1.0.0\", \"name\":\"a\", \"license\": \"MIT\" }", true},
		{"missing name and dist", `{"version":"1"}`, true},
		{"html and separators", "{\"name\":\"a<b>&c\",\"deprecated\":\"use \\\"b\\\" \u2028 \u2029 é\",\"dist\":{}}", true},
		{"escapes and spaces inside strings", "{\"name\":\"a \\\" b\\\\\",\"deprecated\":\" x <y> \\\\\",\"dist\":{ \"k\" : [ \"v\\u2028&\" , 1 ] }}", true},
		{"install script", `{"name":"a","scripts":{"test":"x","postinstall":"y"},"dist":{}}`, true},
		{"no install script", `{"name":"a","scripts":{"test":"x"},"dist":{}}`, true},
		{"scripts null", `{"name":"a","scripts":null,"dist":{}}`, true},
		{"hasInstallScript given", `{"name":"a","hasInstallScript":true,"dist":{}}`, true},
		{"null members", `{"name":null,"deprecated":null,"engines":null,"dist":null}`, true},
		{"every member", `{"name":"a","version":"1","deprecated":"d","dependencies":{"x":"1"},"optionalDependencies":{},"devDependencies":{},` +
			`"bundleDependencies":[],"peerDependencies":{},"peerDependenciesMeta":{},"acceptDependencies":{},"bin":{"a":"b"},"directories":{},` +
			`"engines":{"node":">=8"},"cpu":["x64"],"os":["linux"],"libc":["glibc"],"funding":"f","license":"MIT","_hasShrinkwrap":false,"dist":{"t":1},"readme":"r"}`, true},
		{"duplicate member", `{"name":"a","name":"b","dist":{}}`, false},
		{"key differing in case", `{"Name":"a","dist":{}}`, false},
		{"escaped key", `{"n\u0061me":"a","dist":{}}`, false},
		{"non-ASCII key", `{"ſcripts":{},"dist":{}}`, false},
		{"scripts twice", `{"scripts":{"install":"x"},"scripts":{"test":"y"},"dist":{}}`, false},
		{"scripts not an object", `{"name":"a","scripts":"x","dist":{}}`, false},
		{"hasInstallScript a string", `{"name":"a","hasInstallScript":"yes","dist":{}}`, false},
		{"not an object", `["a"]`, false},
		{"trailing data", `{"name":"a"} x`, false},
	}
	vs := make([]sdk.VersionInfo, len(docs))
	for i, d := range docs {
		vs[i] = sdk.VersionInfo{Metadata: []byte(d.meta)}
	}
	m, err := abbrevMembers(nil, vs) // no host: the SDK runs the host's code
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			got, ok := []byte("prefix"), !slices.Contains(m.Irregular, uint32(i))
			if ok {
				got, ok = appendAbbreviated(got, &m, i)
			}
			if ok != d.fast {
				t.Fatalf("fast path taken = %v, want %v", ok, d.fast)
			}
			if !ok {
				if string(got) != "prefix" {
					t.Fatalf("declined after appending: %q", got)
				}
				return
			}
			want, err := abbreviatedSlow([]byte(d.meta))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, append([]byte("prefix"), want...)) {
				t.Fatalf("fast\n%s\nencoding/json\n%s", got, want)
			}
		})
	}
}

func TestAppendISOMatchesTime(t *testing.T) {
	for _, ms := range []int64{0, 1, -1, 999, 1767225600000, 951782400000 /* 2000-02-29 */, -62135596800000, 253402300799999,
		253402300800000, -62135596800001, 4102444799999, -86400000 * 365 * 300, 1<<40 + 12345} {
		want := time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
		if got := isoMs(ms); got != want {
			t.Errorf("isoMs(%d) = %s, want %s", ms, got, want)
		}
	}
}

func TestAppendWithBase(t *testing.T) {
	base := []byte("http://k/npm/js/")
	for in, want := range map[string]string{
		`{"tarball":"` + tarballMarker + `a.tgz"}`:          `{"tarball":"http://k/npm/js/a.tgz"}`,
		`"` + tarballMarker + `x","` + tarballMarker + `y"`: `"http://k/npm/js/x","http://k/npm/js/y"`,
		tarballMarker + `x`:                                 tarballMarker + `x`,
		`"a\\` + tarballMarker + `"`:                        `"a\\` + tarballMarker + `"`,
		`"\\u0000keeper\\` + tarballMarker + `z"`:           `"\\u0000keeper\\` + tarballMarker + `z"`,
		`no marker at all`:                                  `no marker at all`,
	} {
		if got := string(appendWithBase(nil, []byte(in), base)); got != want {
			t.Errorf("appendWithBase(%s) = %s, want %s", in, got, want)
		}
		if want2 := string(bytes.ReplaceAll([]byte(in), []byte(`"`+tarballMarker), append([]byte(`"`), base...))); want2 != want {
			t.Errorf("case %s disagrees with bytes.ReplaceAll: %s", in, want2)
		}
	}
}

// TestAbbrevKeysFoldLikeEncodingJSON checks the definition: an exact name
// is its field, a key equal to a name under bytes.EqualFold declines the
// fast path (the host marks the document irregular), anything else is
// dropped.
func TestAbbrevKeysFoldLikeEncodingJSON(t *testing.T) {
	keys := []string{"readme", "description", "_id", "_hasShrinkwrap", "_HASSHRINKWRAP", "peerDependenciesMetaX",
		"optionalDependencies1", "ſcripts", "Kelvin", "name\\u0000", "nam", "OS", "Os", "dist-tags", "[", "@", "`"}
	for _, name := range abbrevFields {
		keys = append(keys, name, strings.ToUpper(name), strings.ToLower(name), name+"s", name[1:])
	}
	vs := make([]sdk.VersionInfo, len(keys))
	for i, k := range keys {
		vs[i] = sdk.VersionInfo{Metadata: []byte(`{"` + k + `":1}`)}
	}
	m, err := abbrevMembers(nil, vs)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		want := false // irregular
		for _, name := range abbrevFields {
			if k != name && strings.EqualFold(k, name) {
				want = true
			}
		}
		if strings.Contains(k, `\`) {
			want = true
		}
		if got := slices.Contains(m.Irregular, uint32(i)); got != want {
			t.Errorf("key %q: irregular = %v, want %v", k, got, want)
		}
	}
}
