package npm

import (
	"encoding/json"
	"testing"
)

func TestMergeFirstMemberWins(t *testing.T) {
	a := []byte(`{"name":"p","description":"from a","dist-tags":{"latest":"1.0.0"},"versions":{"1.0.0":{"v":"a"}},"time":{"1.0.0":"t-a"}}`)
	b := []byte(`{"name":"p","description":"from b","dist-tags":{"latest":"2.0.0","next":"3.0.0"},"versions":{"1.0.0":{"v":"b"},"2.0.0":{"v":"b"}},"time":{"2.0.0":"t-b"}}`)
	out, err := Plugin{}.Merge(nil, "/p", [][]byte{a, b})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Description string                       `json:"description"`
		Tags        map[string]string            `json:"dist-tags"`
		Versions    map[string]map[string]string `json:"versions"`
		Time        map[string]string            `json:"time"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Description != "from a" || doc.Tags["latest"] != "1.0.0" || doc.Tags["next"] != "3.0.0" {
		t.Fatalf("top level or tags wrong: %+v", doc)
	}
	if len(doc.Versions) != 2 || doc.Versions["1.0.0"]["v"] != "a" || doc.Versions["2.0.0"]["v"] != "b" {
		t.Fatalf("versions wrong: %+v", doc.Versions)
	}
	if doc.Time["1.0.0"] != "t-a" || doc.Time["2.0.0"] != "t-b" {
		t.Fatalf("time wrong: %+v", doc.Time)
	}
}

func TestMergeRefusesGarbage(t *testing.T) {
	a := []byte(`{"name":"p","versions":{}}`)
	if _, err := (Plugin{}).Merge(nil, "/p", [][]byte{a, []byte("not json")}); err == nil {
		t.Fatal("garbage merged")
	}
	if _, err := (Plugin{}).Merge(nil, "/p", [][]byte{a, []byte(`{"versions":[1]}`)}); err == nil {
		t.Fatal("bad versions merged")
	}
}

// TestMergeAddsFieldsTheFirstLacks: a field only a lower member has (its
// time entries) is added to the first member's document, which stays valid
// JSON; keys needing escapes survive.
func TestMergeAddsFieldsTheFirstLacks(t *testing.T) {
	a := []byte(`{"name":"p","versions":{"1.0.0":{"v":"a"}} }`)
	b := []byte(`{"name":"p","versions":{"2.0.0":{"v":"b"}},"time":{"2.0.0":"t-b","we\"ird":"x"},"dist-tags":{}}`)
	out, err := Plugin{}.Merge(nil, "/p", [][]byte{a, b})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Versions map[string]map[string]string `json:"versions"`
		Time     map[string]string            `json:"time"`
		Tags     map[string]string            `json:"dist-tags"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("merged document is not JSON: %v\n%s", err, out)
	}
	if len(doc.Versions) != 2 || doc.Time["2.0.0"] != "t-b" || doc.Time[`we"ird`] != "x" || doc.Tags == nil {
		t.Fatalf("merged %s", out)
	}
}
