package properties

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func TestParseMatches(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []string
		want []ports.PropertyMatch
	}{
		{"one value", []string{"qa.status:passed"}, []ports.PropertyMatch{{Key: "qa.status", Values: []string{"passed"}}}},
		{"values of one key are alternatives", []string{"os:linux", "os:darwin", "os:linux"}, []ports.PropertyMatch{{Key: "os", Values: []string{"linux", "darwin"}}}},
		{"keys are all required", []string{"a:1", "b:2"}, []ports.PropertyMatch{{Key: "a", Values: []string{"1"}}, {Key: "b", Values: []string{"2"}}}},
		{"a bare key means any value", []string{"os:linux", "os", "a"}, []ports.PropertyMatch{{Key: "os"}, {Key: "a"}}},
		{"the value may hold colons", []string{"url:http://x:1"}, []ports.PropertyMatch{{Key: "url", Values: []string{"http://x:1"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMatches(tc.in)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	for _, bad := range [][]string{nil, {""}, {":v"}, {"a b:v"}, {"k:\x01"}, {strings.Repeat("k", 200) + ":v"}} {
		if _, err := ParseMatches(bad); !errors.Is(err, ports.ErrInvalid) {
			t.Errorf("ParseMatches(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestValidate(t *testing.T) {
	got, err := Validate(ports.PropertyChange{Set: ports.Properties{"os": {"b", "a", "b"}}, Remove: []string{"x"}})
	if err != nil || !reflect.DeepEqual(got.Set, ports.Properties{"os": {"a", "b"}}) || !reflect.DeepEqual(got.Remove, []string{"x"}) {
		t.Fatalf("got %v, %v", got, err)
	}
	for name, ch := range map[string]ports.PropertyChange{
		"empty values":  {Set: ports.Properties{"k": {}}},
		"bad key":       {Set: ports.Properties{"k=v": {"1"}}},
		"long value":    {Set: ports.Properties{"k": {strings.Repeat("v", ports.PropertyMaxValueBytes+1)}}},
		"control char":  {Set: ports.Properties{"k": {"a\nb"}}},
		"bad remove":    {Remove: []string{"a:b"}},
		"invalid utf-8": {Set: ports.Properties{"k": {"\xff"}}},
	} {
		if _, err := Validate(ch); !errors.Is(err, ports.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func TestSatisfies(t *testing.T) {
	p := ports.Properties{"qa": {"passed"}, "os": {"linux", "darwin"}}
	ms, _ := ParseMatches([]string{"qa:passed", "os:darwin"})
	if !Satisfies(p, ms) {
		t.Error("qa:passed os:darwin should hold")
	}
	ms, _ = ParseMatches([]string{"qa:failed"})
	if Satisfies(p, ms) {
		t.Error("qa:failed should not hold")
	}
	ms, _ = ParseMatches([]string{"missing"})
	if Satisfies(p, ms) {
		t.Error("a missing key should not hold")
	}
}

func TestCursorRoundTrip(t *testing.T) {
	id, path, err := decodeCursor(encodeCursor(42, "a/b c"))
	if err != nil || id != 42 || path != "a/b c" {
		t.Fatalf("got %d %q %v", id, path, err)
	}
	if _, _, err := decodeCursor("not-a-cursor"); !errors.Is(err, ports.ErrInvalid) {
		t.Fatalf("bad cursor: %v", err)
	}
}
