package sdk

import (
	"encoding/json"
	"testing"
)

func TestWithScan(t *testing.T) {
	l := ScanLayout{Unpack: ScanZip, Mode: ScanRootfs}
	for _, in := range []string{"", "{}", ` { "a" : 1 } `, "not json"} {
		out := WithScan([]byte(in), l)
		var m map[string]json.RawMessage
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("WithScan(%q) = %s: %v", in, out, err)
		}
		var got ScanLayout
		if err := json.Unmarshal(m["scan"], &got); err != nil || got != l {
			t.Fatalf("WithScan(%q) = %s", in, out)
		}
		if in == ` { "a" : 1 } ` && string(m["a"]) != "1" {
			t.Fatalf("lost member: %s", out)
		}
	}
}
