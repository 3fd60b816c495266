package lfs

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// The answer as the plugin built it before answer.go (batchObject values,
// json.Marshal): the oracle of TestAnswerMatchesMarshal.

type refAction struct {
	Href      string            `json:"href"`
	Header    map[string]string `json:"header,omitempty"`
	ExpiresIn int               `json:"expires_in"`
}

type refError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type refObject struct {
	OID           string                `json:"oid"`
	Size          int64                 `json:"size"`
	Authenticated bool                  `json:"authenticated,omitempty"`
	Actions       map[string]*refAction `json:"actions,omitempty"`
	Error         *refError             `json:"error,omitempty"`
}

func refReply(out []refObject) []byte {
	b, _ := json.Marshal(map[string]any{"transfer": "basic", "objects": out, "hash_algo": "sha256"})
	return b
}

func refLocalBatch(h sdk.Host, baseURL string, br batchRequest, header map[string]string) []byte {
	base := baseURL + "/"
	out := make([]refObject, 0, len(br.Objects))
	for _, o := range br.Objects {
		bo := refObject{OID: o.OID, Size: o.Size}
		if !refValidOID(o.OID) || o.Size < 0 || o.Size > maxObjectSize {
			bo.Error = &refError{Code: 422, Message: "invalid object: oid must be 64 lower-case hex digits, size non-negative"}
			out = append(out, bo)
			continue
		}
		f, _ := h.GetFile(objectPath(o.OID))
		switch {
		case br.Operation == "download" && f == nil:
			bo.Error = &refError{Code: 404, Message: "object does not exist"}
		case br.Operation == "download":
			bo.Size = int64(f.Size)
			bo.Authenticated = true
			bo.Actions = map[string]*refAction{"download": {Href: base + objectPath(o.OID), Header: header, ExpiresIn: actionTTL}}
		case f != nil && int64(f.Size) != o.Size:
			bo.Error = &refError{Code: 422, Message: "object exists with another size"}
		case f != nil:
		default:
			bo.Authenticated = true
			bo.Actions = map[string]*refAction{
				"upload": {Href: base + objectPath(o.OID), Header: header, ExpiresIn: actionTTL},
				"verify": {Href: base + "objects/verify", Header: header, ExpiresIn: actionTTL},
			}
		}
		out = append(out, bo)
	}
	return refReply(out)
}

func refProxiedBatch(baseURL string, br batchRequest, header map[string]string) []byte {
	base := baseURL + "/"
	out := make([]refObject, 0, len(br.Objects))
	for _, o := range br.Objects {
		bo := refObject{OID: o.OID, Size: o.Size}
		switch {
		case !refValidOID(o.OID) || o.Size < 0 || o.Size > maxObjectSize:
			bo.Error = &refError{Code: 422, Message: "invalid object: oid must be 64 lower-case hex digits, size non-negative"}
		case br.Operation == "download":
			bo.Authenticated = len(header) > 0
			bo.Actions = map[string]*refAction{"download": {Href: base + objectPath(digestPrefix+o.OID), Header: header, ExpiresIn: actionTTL}}
		default:
			bo.Authenticated = true
			bo.Actions = map[string]*refAction{
				"upload": {Href: base + objectPath(o.OID), Header: header, ExpiresIn: actionTTL},
				"verify": {Href: base + "objects/verify", Header: header, ExpiresIn: actionTTL},
			}
		}
		out = append(out, bo)
	}
	return refReply(out)
}

// shuffledHost answers GetFiles in the reverse of the order asked (the
// contract promises that order): sdk.FileSizes on a host without
// file-sizes must then match the files by path.
type shuffledHost struct{ *fakehost.Host }

func (h shuffledHost) GetFiles(paths []string) ([]sdk.File, error) {
	files, err := h.Host.GetFiles(paths)
	out := make([]sdk.File, 0, len(files))
	for i := len(files) - 1; i >= 0; i-- {
		out = append(out, files[i])
	}
	return out, err
}

var batchTexts = []string{"", "a", "é", "<script>&amp;</script>", "\"quoted\"\\", "line\nbreak\t\x01", "\u2028\u2029",
	"\xff\xfe invalid", "\xe6\x97", "http://h/lfs/r/objects/" + strings.Repeat("ab", 32), "Bearer tok+/=", "日本語",
	strings.Repeat("ab", 32)[:63], strings.Repeat("AB", 32)}

// TestAnswerMatchesMarshal: a local and a proxied batch answer has the
// bytes the structs and json.Marshal gave, for empty batches, one object,
// every case (stored, missing, another size, invalid oid or size, the
// same object twice), base URLs and tokens needing escapes, anonymous
// downloads, and 3,000 generated batches.
func TestAnswerMatchesMarshal(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	pick := func() string { return batchTexts[r.Intn(len(batchTexts))] }
	check := func(h sdk.Host, baseURL string, br batchRequest, header map[string]string) {
		t.Helper()
		got, err := localBatch(h, baseURL, br, header)
		if err != nil {
			t.Fatal(err)
		}
		if want := refLocalBatch(h, baseURL, br, header); string(got.Bytes) != string(want) {
			t.Fatalf("local %q %v %+v:\n got %s\nwant %s", baseURL, header, br, got.Bytes, want)
		}
		if got.Status != 200 || got.Headers[0].Value != mediaType {
			t.Fatalf("status %d headers %v", got.Status, got.Headers)
		}
		got, err = proxiedBatch(&sdk.Request{Repo: &sdk.RepoContext{Kind: "virtual", BaseURL: baseURL,
			Config: []sdk.KeyValue{{Key: "deploy_to", Value: "x"}}}}, br, header)
		if err != nil {
			t.Fatal(err)
		}
		if want := refProxiedBatch(baseURL, br, header); string(got.Bytes) != string(want) {
			t.Fatalf("proxied %q %v %+v:\n got %s\nwant %s", baseURL, header, br, got.Bytes, want)
		}
	}
	h := newHost()
	var stored []string
	for i := 0; i < 40; i++ {
		data := []byte(fmt.Sprintf("object %d", i))
		h.AddFile(objectPath(oidOf(data)), data)
		stored = append(stored, oidOf(data))
	}
	token := map[string]string{"Authorization": "Bearer tok"}
	for _, op := range []string{"download", "upload"} {
		check(h, "http://k/lfs/r", batchRequest{Operation: op}, token)
		check(h, "http://k/lfs/r", batchRequest{Operation: op, Objects: []batchRef{{OID: stored[0], Size: 8}}}, token)
		check(h, "http://k/lfs/r", batchRequest{Operation: op, Objects: []batchRef{{OID: stored[0], Size: 8}}}, map[string]string{})
		check(h, "http://k/lfs/r", batchRequest{Operation: op, Objects: []batchRef{{OID: stored[1], Size: 3},
			{OID: oidOf(nil), Size: 0}, {OID: "bad", Size: 1}, {OID: stored[2], Size: -1}, {OID: stored[2], Size: 1 << 41},
			{OID: stored[3], Size: 8}, {OID: stored[3], Size: 8}}}, token)
	}
	for i := 0; i < 3000; i++ {
		br := batchRequest{Operation: []string{"download", "upload"}[r.Intn(2)]}
		for n := r.Intn(12); n > 0; n-- {
			o := batchRef{OID: stored[r.Intn(len(stored))], Size: int64(r.Intn(3) + 7)}
			switch r.Intn(6) {
			case 0:
				o.OID = pick()
			case 1:
				o.OID = oidOf([]byte(pick()))
			case 2:
				o.Size = r.Int63n(1<<42) - 1<<20
			}
			br.Objects = append(br.Objects, o)
		}
		header := map[string]string{}
		switch r.Intn(4) {
		case 0:
		case 1:
			header[pick()], header[pick()] = pick(), pick()
		default:
			header["Authorization"] = "Bearer " + pick()
		}
		check(h, pick()+pick(), br, header)
		check(shuffledHost{h}, "http://k/lfs/r", br, header)
	}
}
