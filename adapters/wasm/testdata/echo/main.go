// Command echo is a test plugin that reflects its request and exercises
// every host import, for ABI round-trip tests.
package main

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

type p struct{}

func (p) Describe() sdk.Info {
	return sdk.Info{Key: "echo", DisplayName: "Echo", Version: "1.2.3",
		Mounts:  []sdk.Mount{{Prefix: "/echo/", AnonymousPaths: []string{"/-/login/*", "/-/ping"}, ReadPaths: []string{"/-/query/*"}}, {Prefix: "/.well-known/echo", Root: true}},
		Aliases: []string{"reflect", "mirror"}}
}

func (p) Handle(h sdk.Host, r *sdk.Request) (*sdk.Response, error) {
	out := map[string]any{"request": r}
	errs := map[string]string{}
	note := func(name string, err error) {
		if err != nil {
			errs[name] = err.Error()
		}
	}
	if r.Body != nil {
		b, err := h.ReadBlob(r.Body.Digest, 1, 3)
		note("read-blob", err)
		out["read-blob"] = string(b)
		for _, alg := range []sdk.HashAlg{sdk.SHA256, sdk.SHA1, sdk.MD5, sdk.SHA512} {
			s, err := h.Hash(alg, sdk.Source{Blob: r.Body.Digest})
			note("hash", err)
			out["hash-"+string(rune('0'+alg))] = s
		}
		ents, err := h.ArchiveList(r.Body.Digest, sdk.ArchiveTarGz, 10)
		note("archive-list", err)
		out["archive-list"] = ents
		data, err := h.ArchiveRead(r.Body.Digest, sdk.ArchiveTarGz, "pkg/hello.txt", 100)
		note("archive-read", err)
		out["archive-read"] = string(data)
		_, err = h.ArchiveRead(r.Body.Digest, sdk.ArchiveTarGz, "pkg/hello.txt", 2)
		note("archive-read-small", err)
	}
	hs, err := h.Hash(sdk.SHA256, sdk.Source{Bytes: []byte("abc")})
	note("hash-bytes", err)
	out["hash-bytes"] = hs
	f, err := h.GetFile("a/b.txt")
	note("get-file", err)
	out["get-file"] = f
	missing, err := h.GetFile("nope")
	note("get-file-missing", err)
	out["get-file-missing-nil"] = missing == nil
	fs, err := h.ListFiles("a/", "", 10, "")
	note("list-files", err)
	out["list-files"] = fs
	note("kv-put", h.KVPut("tags", "latest", []byte("1.0")))
	note("kv-delete", h.KVDelete("tags", "old"))
	v, ok, err := h.KVGet("tags", "stable")
	note("kv-get", err)
	out["kv-get"] = map[string]any{"v": string(v), "ok": ok}
	_, ok, err = h.KVGet("tags", "absent")
	note("kv-get-absent", err)
	out["kv-get-absent"] = ok
	kvs, err := h.KVList("tags", "", "", 10)
	note("kv-list", err)
	out["kv-list"] = kvs
	d, err := h.PutBlob([]byte("generated"))
	note("put-blob", err)
	out["put-blob"] = d
	note("stage-file", h.StageFile(sdk.StagedFile{Path: "gen/index.json", BlobDigest: d, ContentType: "application/json",
		Package: "p", Version: "1", Metadata: []byte(`{"m":1}`), Overwrite: true}))
	note("stage-delete", h.StageDelete("old.txt"))
	note("stage-version", h.StageVersion(sdk.VersionPut{Package: "p", Version: "1", Metadata: []byte("{}")}))
	// json-members (contract 0.5.0): a projection, an irregular document
	// and a named limit error, all through the host.
	m, err := sdk.JSONMembers(h, [][]byte{[]byte(`{"a": " <x> ", "b": [1, 2]}`), []byte(`{"A":1}`)}, []string{"b", "a"}, sdk.MemberCompact)
	note("json-members", err)
	out["json-members"] = []any{string(m.Value(0, 0)), string(m.Value(0, 1)), m.Irregular}
	if _, err := sdk.JSONMembers(h, nil, make([]string, 65), sdk.MemberCompact); err != nil {
		out["json-members-error"] = err.Error()
	}
	// Contract 0.7.0: json-spans (a wildcard path, a named error),
	// get-files and a source naming an assembled document.
	sp, err := sdk.JSONSpans(h, sdk.Source{Bytes: []byte(`{"v":{"a":{"t":1},"b":{"t":"x"}}}`)}, [][]string{{"v", "*", "t"}})
	note("json-spans", err)
	out["json-spans"] = sp
	if _, err := sdk.JSONSpans(h, sdk.Source{Bytes: []byte(`{"v":}`)}, [][]string{{"v"}}); err != nil {
		out["json-spans-error"] = err.Error()
	}
	files, err := sdk.GetFiles(h, []string{"a/b.txt", "absent", "a/b.txt"})
	note("get-files", err)
	out["get-files"] = len(files)
	if _, err := sdk.GetFiles(h, make([]string, 1001)); err != nil {
		out["get-files-error"] = err.Error()
	}
	if _, err := h.Hash(sdk.MD5, sdk.Source{Assembled: "9"}); err != nil {
		out["hash-assembled-error"] = err.Error()
	}
	out["repo"] = h.Repo()
	_, err = h.ReadBlob("0000", 0, 1)
	out["read-missing-error"] = err != nil
	h.Log(sdk.LevelInfo, "echo handled "+r.Path)
	out["errors"] = errs
	b, _ := json.Marshal(out)
	return &sdk.Response{Status: 299, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: 1500,
		Headers: []sdk.Header{{Name: "X-A", Value: "1"}, {Name: "X-A", Value: "2"}}}, nil
}

func init() { sdk.Register(p{}) }

func main() {}

// Classify answers local for the login paths (contract 0.4.0), mutable
// for the rest.
func (p) Classify(path string) sdk.CacheClass {
	if strings.HasPrefix(path, "/-/login/") {
		return sdk.Local
	}
	return sdk.Mutable
}

// docFields are the fields the documents ask for: one a protocol needs,
// and ones the host must drop.
var docFields = []sdk.Header{{Name: "Content-Version", Value: "1"}, {Name: "Set-Cookie", Value: "session=1"},
	{Name: "Access-Control-Allow-Origin", Value: "*"}}

func (p) RewriteDocument(_ sdk.Host, path string, body []byte, upstreamBase, localBase string) (sdk.Document, error) {
	return sdk.Document{Body: []byte(path + " " + string(body) + " " + upstreamBase + " " + localBase), Headers: docFields}, nil
}

func (p) MergeDocument(_ sdk.Host, path string, docs [][]byte) (sdk.Document, error) {
	out := path
	for _, d := range docs {
		out += " " + string(d)
	}
	return sdk.Document{Body: []byte(out), Headers: docFields}, nil
}
