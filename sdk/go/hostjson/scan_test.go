package hostjson

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestEachMemberSpans checks the keys and value spans EachMember reports
// against encoding/json's decoding of the same object.
func TestEachMemberSpans(t *testing.T) {
	doc := " {\"a\" : 1, \"b\\u0063\":{\"x\":[1,{\"y\":null}]},\"s\":\"q\\\"t\" ,\"t\":true,\"n\":-2.5e3}\n"
	var want map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &want); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	end, err := EachMember([]byte(doc), 0, func(key []byte, vs, ve int) error {
		got[string(key)] = doc[vs:ve]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if SkipWS([]byte(doc), end) != len(doc) {
		t.Fatalf("end %d: %q left", end, doc[end:])
	}
	if len(got) != len(want) {
		t.Fatalf("members %v, want %d", got, len(want))
	}
	for k, v := range want {
		if got[k] != string(v) {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestScannerRejectsMalformed(t *testing.T) {
	for _, doc := range []string{
		``, `[]`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1 "b":2}`, `{"a":tru}`,
		`{"a":nul}`, `{"a":x}`, `{"a":"b` + "\x01" + `"}`, `{"a":"b}`, `{"a` + "\n" + `":1}`,
		`{"a":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`,
	} {
		if _, err := EachMember([]byte(doc), 0, func([]byte, int, int) error { return nil }); !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: err %v, want ErrSyntax", doc, err)
		}
	}
	if _, err := SkipValue([]byte(`[1,2`), 0); !errors.Is(err, ErrSyntax) {
		t.Errorf("SkipValue: err %v", err)
	}
	if end, err := SkipValue([]byte(` [1,{"a":"]"}] x`), 0); err != nil || end != 14 {
		t.Errorf("SkipValue = %d, %v; want 14", end, err)
	}
}

func TestEachMemberStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	_, err := EachMember([]byte(`{"a":1,"b":2,"c":3}`), 0, func(key []byte, _, _ int) error {
		calls++
		if string(key) == "b" {
			return stop
		}
		return nil
	})
	if err != stop || calls != 2 {
		t.Fatalf("err %v after %d calls, want stop after 2", err, calls)
	}
}
