package lfs

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"regexp"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
)

// genOIDs are object ids a generated batch names besides stored and
// missing ones: not hex, upper case, short, long, escapes, unicode.
var genOIDs = []string{"", "bad", "é", "日本語" + strings.Repeat("a", 55), strings.Repeat("A", 64), strings.Repeat("a", 63),
	strings.Repeat("a", 65), strings.Repeat("a", 63) + "\"", strings.Repeat("a", 63) + "\\", "<script>", "\u2028",
	strings.Repeat("g", 64), strings.Repeat("a", 62) + "é"}

// genRefs are ref names of generated batches (unicode, escapes).
var genRefs = []string{"refs/heads/main", "refs/heads/日本語", "refs/heads/\"q\"", "refs/tags/v1\u2028", "refs/heads/é\\x"}

// generatedBatches are request bodies as clients send them and
// variations: stored, missing and invalid objects, sizes out of range or
// not the stored one, the same object twice, unicode refs, members in
// another order, indented JSON and escaped oids (the reader's slow path).
func generatedBatches(r *rand.Rand, stored []string, n int) [][]byte {
	var out [][]byte
	for i := 0; i < n; i++ {
		var objs []any
		for k := r.Intn(30); k > 0; k-- {
			oid, size := stored[r.Intn(len(stored))], int64(7+r.Intn(3))
			switch r.Intn(8) {
			case 0:
				oid = genOIDs[r.Intn(len(genOIDs))]
			case 1:
				oid = oidOf([]byte(fmt.Sprint("missing ", r.Intn(5))))
			case 2:
				size = []int64{-1, 0, 1 << 40, 1<<40 + 1, 1 << 62}[r.Intn(5)]
			}
			objs = append(objs, map[string]any{"oid": oid, "size": size})
		}
		req := map[string]any{"operation": []string{"download", "upload"}[r.Intn(2)], "objects": objs}
		if r.Intn(2) == 0 {
			req["transfers"], req["hash_algo"] = []string{"basic"}, "sha256"
		}
		if r.Intn(2) == 0 {
			req["ref"] = map[string]any{"name": genRefs[r.Intn(len(genRefs))]}
		}
		b, _ := json.Marshal(req)
		switch r.Intn(6) {
		case 0:
			b, _ = json.MarshalIndent(req, "", "  ")
		case 1: // an escaped oid: the slow path
			b = []byte(strings.Replace(string(b), `"oid":"`, `"oid":"\u0030`, 1))
		}
		out = append(out, b)
	}
	return out
}

var bearer = regexp.MustCompile(`"Bearer ([^"]*)"`)

// TestGeneratedBatchesMatchOracle: the whole batch path (request read,
// stored sizes, answer) gives the bytes of json.Unmarshal and
// json.Marshal over the oracle's objects (answer_test.go), for 1,500
// generated requests of a named caller.
func TestGeneratedBatchesMatchOracle(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	h := newHost()
	var stored []string
	for i := 0; i < 20; i++ {
		data := []byte(fmt.Sprintf("object %d", i))
		h.AddFile(objectPath(oidOf(data)), data)
		stored = append(stored, oidOf(data))
	}
	for _, body := range generatedBatches(r, stored, 1500) {
		got := call(h, "alice", "POST", "/objects/batch", "", body)
		var br batchRequest
		if err := json.Unmarshal(body, &br); err != nil {
			if got.Status != 422 {
				t.Fatalf("%s: status %d for a body json.Unmarshal refuses (%v)", body, got.Status, err)
			}
			continue
		}
		header := map[string]string{"Authorization": "Bearer none"}
		if m := bearer.FindSubmatch(got.Bytes); m != nil {
			header["Authorization"] = "Bearer " + string(m[1])
		}
		if want := refLocalBatch(h, "http://k/lfs/r", br, header); got.Status != 200 || string(got.Bytes) != string(want) {
			t.Fatalf("%s: status %d\n got %s\nwant %s", body, got.Status, got.Bytes, want)
		}
	}
}

// TestGeneratedBatchesNativeMatchesWasm: the generated requests, of a
// named and an anonymous caller, give the same outcome natively and
// through the .wasm.
func TestGeneratedBatchesNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "lfs", Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "r", Type: "local", Format: "lfs", BaseURL: "http://h/lfs/r"}
	var stored []string
	for i := 0; i < 20; i++ {
		data := []byte(fmt.Sprintf("object %d", i))
		stored = append(stored, oidOf(data))
		d.Setup(func(h *porttest.MemHost) { h.AddFile(objectPath(oidOf(data)), data) })
	}
	var reqs []ports.FormatRequest
	for i, body := range generatedBatches(rand.New(rand.NewSource(6)), stored, 300) {
		user := "u"
		if i%5 == 0 {
			user = ""
		}
		reqs = append(reqs, ports.FormatRequest{Method: "POST", Path: "/objects/batch", User: user, Body: d.Body(body)})
	}
	d.Setup(func(h *porttest.MemHost) { h.Caller = "u" })
	d.Run(reqs)
}
