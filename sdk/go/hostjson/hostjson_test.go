package hostjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestJSONMembersMatchesEncodingJSON checks every projected value against
// encoding/json's rendering of the same member as a json.RawMessage, and
// which documents are irregular.
func TestJSONMembersMatchesEncodingJSON(t *testing.T) {
	keys := []string{"name", "dist", "scripts", "K"}
	docs := []string{
		`{"name":"a","version":"1","dist":{ "tarball" : "x<y>&z\u2028" , "n":[1, 2.5e3,true,null]}}`,
		" {\n\"other\": {\"name\":1}, \"scripts\" : {\"install\":\"a b\"} }\n",
		`{}`,
		`{"name":"a","Name":"b"}`,    // folds to a wanted key
		`{"name":"a","name":"b"}`,    // wanted twice
		`{"n\u0061me":"a"}`,          // escaped key
		`{"\u212a":1}`,               // Kelvin sign folds to K
		`["name"]`,                   // not an object
		`{"name":"a"} x`,             // trailing bytes
		`{"name":tru}`,               // invalid literal
		`{"name":"a` + "\x01" + `"}`, // control character
		`{"dist":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`, // too deep
		`{"name":"ok ` + "\u2029" + `"}`,
	}
	in := make([][]byte, len(docs))
	for i, d := range docs {
		in[i] = []byte(d)
	}
	m, err := JSONMembers(in, keys, CompactHTML)
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint32{3, 4, 5, 6, 7, 8, 9, 10, 11}; !slices.Equal(m.Irregular, want) {
		t.Fatalf("irregular %v, want %v", m.Irregular, want)
	}
	for d, doc := range docs {
		if slices.Contains(m.Irregular, uint32(d)) {
			for k := range keys {
				if value(m, d, k, len(keys)) != nil {
					t.Fatalf("irregular doc %d has a value", d)
				}
			}
			continue
		}
		var all map[string]json.RawMessage
		if err := json.Unmarshal([]byte(doc), &all); err != nil {
			t.Fatal(err)
		}
		for k, key := range keys {
			got := value(m, d, k, len(keys))
			raw, ok := all[key]
			if !ok {
				if got != nil {
					t.Fatalf("doc %d key %s: %q, want absent", d, key, got)
				}
				continue
			}
			want, _ := json.Marshal(raw)
			if !bytes.Equal(got, want) {
				t.Fatalf("doc %d key %s: %q, want %q", d, key, got, want)
			}
		}
	}
	plain, err := JSONMembers(in[:1], []string{"dist"}, Compact)
	if err != nil || string(value(plain, 0, 0, 1)) != `{"tarball":"x<y>&z\u2028","n":[1,2.5e3,true,null]}` {
		t.Fatalf("without html escaping: %q %v", value(plain, 0, 0, 1), err)
	}
}

func TestLimits(t *testing.T) {
	if _, err := JSONMembers(nil, make([]string, MaxKeys+1), Compact); !errors.Is(err, ErrTooManyKeys) {
		t.Fatal(err)
	}
	if _, err := JSONMembers(nil, []string{""}, Compact); !errors.Is(err, ErrKeyLength) {
		t.Fatal(err)
	}
	if _, err := JSONMembers(nil, []string{strings.Repeat("k", MaxKeyLen+1)}, Compact); !errors.Is(err, ErrKeyLength) {
		t.Fatal(err)
	}
	if _, err := JSONMembers(make([][]byte, MaxDocs+1), []string{"a"}, Compact); !errors.Is(err, ErrTooManyDocs) {
		t.Fatal(err)
	}
	big := make([]byte, MaxInput/2+1)
	if _, err := JSONMembers([][]byte{big, big}, []string{"a"}, Compact); !errors.Is(err, ErrInputTooLarge) {
		t.Fatal(err)
	}
	if _, err := JSONMembers(nil, []string{"a"}, Raw+1); !errors.Is(err, ErrForm) {
		t.Fatal(err)
	}
}

// TestTextForm checks the text of string members against encoding/json.
func TestTextForm(t *testing.T) {
	docs := []string{`{"s":"plain"}`, `{"s":"a\n\"b\" \u00e9 \ud83d\ude00 \u003c"}`, `{"s":"\t\/\b\f\r\\ é \n\u003c\u00E9\u0000 \u12"}`, `{"s":"\u003c\u00E9\u0000\u2028"}`, "{\"s\":\"bad \xff utf-8\"}", `{"s":1}`, `{"t":"x","s":"y"}`}
	in := make([][]byte, len(docs))
	for i, d := range docs {
		in[i] = []byte(d)
	}
	m, err := JSONMembers(in, []string{"s"}, Text)
	if err != nil || !slices.Equal(m.Irregular, []uint32{2, 5}) {
		t.Fatalf("%v %v", m.Irregular, err)
	}
	for d, doc := range docs {
		if d == 2 || d == 5 {
			continue
		}
		var v struct{ S string }
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		if got := string(value(m, d, 0, 1)); got != v.S {
			t.Errorf("doc %d: %q, want %q", d, got, v.S)
		}
	}
}

// value returns the value of key k of document d (of nkeys keys), nil when
// absent.
func value(m Members, d, k, nkeys int) []byte {
	i := 2 * (d*nkeys + k)
	if m.Spans[i+1] == 0 {
		return nil
	}
	return m.Data[m.Spans[i] : m.Spans[i]+m.Spans[i+1]]
}
