package lfs

import (
	"encoding/json"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for Git LFS, per the Git LFS API
// specification (batch API, basic transfer adapter, locking API):
// https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md
// https://github.com/git-lfs/git-lfs/blob/main/docs/api/basic-transfers.md
// https://github.com/git-lfs/git-lfs/blob/main/docs/api/locking.md
//
// Routes under /lfs/<repo> (the client's lfs.url):
//
//	POST /objects/batch          batch: upload/download actions with a session token and expiry
//	PUT  /objects/OID            basic upload (sha256 and size checked)
//	GET  /objects/OID            basic download (the host's fast path)
//	POST /objects/verify         {"oid", "size"}: 200 when stored with that size
//	POST /locks                  create a lock
//	GET  /locks                  list locks (path, id, cursor, limit)
//	POST /locks/verify           the caller's and others' locks
//	POST /locks/ID/unlock        release (force: anyone's)
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "lfs", DisplayName: "Git LFS", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/lfs/", AnonymousPaths: []string{"/objects/batch"}}}, Credentials: credentials, Setup: setup,
		Aliases: []string{"gitlfs"}}
}

// mediaType is the Git LFS API's JSON media type.
const mediaType = "application/vnd.git-lfs+json"

// validOID reports whether s is an object id: 64 lower-case hex digits.
func validOID(s string) bool { return len(s) == 64 && isHex64(s) }

// isHex64 reports whether the first 64 bytes of s (at least 64) are
// lower-case hex digits, eight at a time: a batch checks every object,
// and a loop per byte was a large part of a batch's time in the wasm
// guest (every loop header there also checks the call's clock).
func isHex64[T string | []byte](s T) bool {
	s = s[:64]
	for len(s) >= 8 {
		w := s[:8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		if !hex8(x) {
			return false
		}
		s = s[8:]
	}
	return true
}

// hex8 reports whether each byte of x is 0-9 or a-f. For bytes below
// 0x80, b+0x80-c has its top bit set exactly when b >= c, and no byte
// carries into the next.
func hex8(x uint64) bool {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	if x&high != 0 {
		return false
	}
	ge := func(c uint64) uint64 { return (x + (0x80-c)*ones) & high }
	digit := ge('0') &^ ge('9'+1)
	lower := ge('a') &^ ge('f'+1)
	return digit|lower == high
}

func objectPath(oid string) string { return "objects/" + oid }

// lfsError is a failure in the API's error shape ({"message": …}).
type lfsError struct {
	Status  int
	Message string
}

func (e *lfsError) Error() string { return e.Message }

func fail(status int, msg string) error { return &lfsError{Status: status, Message: msg} }

func reply(status int, v any) *sdk.Response {
	b, _ := json.Marshal(v)
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b,
		Headers: []sdk.Header{{Name: "Content-Type", Value: mediaType}}}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	resp, err := route(h, req)
	if le, ok := err.(*lfsError); ok {
		return reply(le.Status, map[string]string{"message": le.Message}), nil
	}
	return resp, err
}

func route(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, fail(404, "repository not found")
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") || len(p) > 1024 {
		return nil, fail(400, "bad path")
	}
	segs := strings.Split(strings.TrimSuffix(p[1:], "/"), "/")
	switch {
	case req.Method == "POST" && p == "/objects/batch":
		return batch(h, req)
	case req.Method == "POST" && p == "/objects/verify":
		return verify(h, req)
	case req.Method == "PUT" && len(segs) == 2 && segs[0] == "objects":
		return upload(h, req, segs[1])
	case (req.Method == "GET" || req.Method == "HEAD") && len(segs) == 2 && segs[0] == "objects":
		return digestObject(h, segs[1])
	case segs[0] == "locks":
		return locks(h, req, segs)
	}
	switch req.Method {
	case "GET", "HEAD", "POST", "PUT":
		return nil, fail(404, "not found: "+p)
	}
	return nil, fail(405, "method "+req.Method+" not allowed")
}
