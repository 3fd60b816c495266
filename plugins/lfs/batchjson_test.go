package lfs

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// batchRequests are bodies git-lfs sends and the shapes around them the
// hand-written reader must take, or leave to json.Unmarshal.
var batchRequests = []string{
	`{"operation":"download","objects":[{"oid":"` + strings.Repeat("a", 64) + `","size":12}],"transfers":["lfs-standalone-file","basic","ssh"],"ref":{"name":"refs/heads/main"},"hash_algo":"sha256"}`,
	`{"operation":"upload","objects":[{"oid":"x","size":0},{"oid":"y","size":-1,"extra":[1,true,false,{"a":[]}]}],"transfers":[]}`,
	` { "operation" : "download" , "objects" : [ ] } `,
	`{}`, `[]`, `null`, `{"operation":null}`, `{"objects":null}`, `{"objects":[null]}`,
	`{"Operation":"upload"}`, `{"operation":"a","OPERATION":"b"}`, `{"operation":"a","operation":"b"}`,
	`{"objects":[{"OID":"x"}]}`, `{"objects":[{"oid":"a","oid":"b"}]}`, `{"objects":[{"size":1.5}]}`,
	`{"objects":[{"size":1e3}]}`, `{"objects":[{"size":01}]}`, `{"objects":[{"size":-0}]}`,
	`{"objects":[{"size":99999999999999999999}]}`, `{"objects":[{"size":123456789012345678}]}`,
	`{"objects":[{"size":"1"}]}`, `{"objects":[{"oid":1}]}`, `{"operation":"dow\u006eload"}`,
	`{"operation":"é"}`, `{"operation":"\xff"}`, `{"hash_algo":"sha256"} x`, `{"hash_algo":"sha256"`,
	`{"transfers":"basic"}`, `{"transfers":["basic",]}`, `{"objects":[{},]}`, `{,}`, `{"a":tru}`,
	`{"a":nul}`, `{"a":-}`, `{"a":1.}`, `{"a":[1,2,{"b":{"c":[[[]]]}}]}`, `{"\u006fperation":"x"}`,
	`{"operation":"download"}` + "\n", "{\"operation\":\"a\tb\"}", `{"ſize":1}`, `{"objects":[{"ſize":1}]}`,
	`{"objects":[{"oid":"` + hex64 + `","size":0},{"oid":"` + hex64 + `","size":123456789012345678}]}`,
	`{"objects":[{"oid":"` + hex64 + `","size":1234567890123456789}]}`, `{"objects":[{"oid":"` + hex64 + `","size":00}]}`,
	`{"objects":[{"oid":"` + hex64 + `","size":-1}]}`, `{"objects":[{"oid":"` + hex64 + `","size":1 }]}`,
	`{"objects":[{"oid":"` + strings.ToUpper(hex64) + `","size":1}]}`, `{"objects":[{"oid":"` + hex64[1:] + `","size":1}]}`,
	`{"objects":[{"oid":"` + hex64 + `","size":1,"x":2}]}`, `{"objects":[ {"oid":"` + hex64 + `","size":1} ]}`,
	`{"objects":[{"oid":"` + hex64 + `","size":1.0}]}`, `{"objects":[{"oid":"` + hex64 + `","size":1`,
	`{"objects":[{"oid":"` + hex64 + `","size":1};{"oid":"` + hex64 + `","size":2}]}`,
	`{"objects":[{"oid":"` + hex64 + `","size":1}]]}`, `{"objects":[{"oid":"` + hex64 + `","size":1},]}`,
	`{"objects":[{"oid":"` + hex64 + `","size":1} , {"oid":"` + hex64 + `","size":2}]}`,
}

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// TestBatchRequestMatchesUnmarshal: decodeBatch gives what json.Unmarshal
// gives (the request, or an error with the same text) for the requests
// above and 3,000 random mutations of them.
func TestBatchRequestMatchesUnmarshal(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	inputs := append([]string(nil), batchRequests...)
	for i := 0; i < 3000; i++ {
		b := []byte(batchRequests[r.Intn(len(batchRequests))])
		for n := r.Intn(3) + 1; n > 0 && len(b) > 0; n-- {
			p := r.Intn(len(b))
			switch r.Intn(3) {
			case 0:
				b = append(b[:p], b[p+1:]...)
			case 1:
				const subs = `{}[],:"\ 01-.eEtrufalsn`
				b[p] = subs[r.Intn(len(subs))]
			default:
				const ins = `{}[],:"\ 9x`
				b = append(b[:p], append([]byte{ins[r.Intn(len(ins))]}, b[p:]...)...)
			}
		}
		inputs = append(inputs, string(b))
	}
	fast := 0
	for _, in := range inputs {
		var want, got batchRequest
		werr := json.Unmarshal([]byte(in), &want)
		gerr := decodeBatch([]byte(in), &got)
		if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
			t.Fatalf("%q: error %v, json.Unmarshal %v", in, gerr, werr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %#v\nwant %#v", in, got, want)
		}
		s := scanner{b: []byte(in)}
		var br batchRequest
		if s.request(&br) && s.end() {
			fast++
		}
	}
	if fast < 200 {
		t.Fatalf("only %d of %d inputs took the hand-written reader", fast, len(inputs))
	}
}

// FuzzDecodeBatch: decodeBatch and json.Unmarshal agree on any body.
func FuzzDecodeBatch(f *testing.F) {
	for _, s := range batchRequests {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want, got batchRequest
		werr := json.Unmarshal(b, &want)
		gerr := decodeBatch(b, &got)
		if (werr == nil) != (gerr == nil) || (werr == nil && !reflect.DeepEqual(got, want)) {
			t.Fatalf("%q: %#v %v, json.Unmarshal %#v %v", b, got, gerr, want, werr)
		}
	})
}
