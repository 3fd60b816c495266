// Buf Schema Registry module API, buf.registry.module.v1
// (https://github.com/bufbuild/registry-proto, buf/registry/module/v1/*.proto),
// over the Connect protocol's unary calls (https://connectrpc.com/docs/protocol/):
// POST /buf/REPO/buf.registry.module.v1.SERVICE/METHOD with a binary
// Protobuf (application/proto, what the buf CLI sends) or Protobuf JSON
// (application/json) body; the answer uses the same codec, and an error is
// {"code","message"} JSON with the Connect code's HTTP status. The RPCs are
// the ones `buf push` and `buf export` call (bufbuild/buf,
// private/bufpkg/bufmodule/bufmoduleapi):
//
//	ModuleService/GetModules, CreateModules   modules (owner/module)
//	UploadService/Upload                      a commit of a module's files, labels moved to it
//	CommitService/GetCommits                  commits by id, label or ref
//	GraphService/GetGraph                     the commits of refs (no dependencies: no edges)
//	ResourceService/GetResources              a ref resolved to a module, label or commit
//	DownloadService/Download                  a commit's files
//	LabelService/GetLabels                    labels by name
package buf

import (
	"encoding/json"
	"errors"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin's version.
const Version = "0.1.0"

// maxBody bounds a request the plugin reads into memory (a module upload
// with its files).
const maxBody = 32 << 20

// readRPCs are the procedures that only read: the host authorizes their
// POSTs as reads (contract 0.6.0), so a read-only token can export.
var readRPCs = []string{"/buf.registry.module.v1.ModuleService/GetModules", "/buf.registry.module.v1.CommitService/GetCommits",
	"/buf.registry.module.v1.GraphService/GetGraph", "/buf.registry.module.v1.ResourceService/GetResources",
	"/buf.registry.module.v1.DownloadService/Download", "/buf.registry.module.v1.LabelService/GetLabels"}

// Plugin implements sdk.Plugin for Buf module repositories.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin. "protobuf" is an alias (the key other
// registries give the format).
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "buf", DisplayName: "Buf (Protobuf modules)", Version: Version, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/buf/", ReadPaths: readRPCs}}, Aliases: []string{"protobuf"}, Credentials: credentials, Setup: setup}
}

// connectError is a failure answered as a Connect error.
type connectError struct {
	Status  int
	Code    string
	Message string
}

func (e *connectError) Error() string { return e.Message }

func fail(code, msg string) error {
	status := map[string]int{"invalid_argument": 400, "unauthenticated": 401, "permission_denied": 403,
		"not_found": 404, "already_exists": 409, "unimplemented": 404, "resource_exhausted": 429,
		"failed_precondition": 400}[code]
	return &connectError{Status: status, Code: code, Message: msg}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	resp, err := handle(h, req)
	var ce *connectError
	if errors.As(err, &ce) {
		b, _ := json.Marshal(map[string]string{"code": ce.Code, "message": ce.Message})
		return &sdk.Response{Status: ce.Status, Kind: sdk.BodyBytes, Bytes: b,
			Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
	}
	return resp, err
}

// call is one unary RPC.
type call struct {
	h      sdk.Host
	req    *sdk.Request
	binary bool
	body   []byte
}

func handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, fail("not_found", "not a Buf module repository")
	}
	proc := strings.TrimPrefix(req.Path, "/")
	svc, method, ok := strings.Cut(proc, "/")
	fn := rpcs[svc+"/"+method]
	if !ok || fn == nil {
		return nil, fail("unimplemented", "procedure "+clip(proc)+" is not implemented by this registry")
	}
	if req.Method != "POST" {
		return nil, &connectError{Status: 405, Code: "unimplemented", Message: "Connect unary calls are POST"}
	}
	if req.User == "" {
		return nil, fail("unauthenticated", "this registry needs a Keeper API token (BUF_TOKEN)")
	}
	ct, _, _ := strings.Cut(req.Header("Content-Type"), ";")
	c := &call{h: h, req: req}
	switch strings.TrimSpace(strings.ToLower(ct)) {
	case "application/proto":
		c.binary = true
	case "application/json":
	default:
		return nil, &connectError{Status: 415, Code: "invalid_argument", Message: "Content-Type must be application/proto or application/json"}
	}
	if enc := req.Header("Content-Encoding"); enc != "" && enc != "identity" {
		if enc != "gzip" {
			return nil, fail("unimplemented", "Content-Encoding "+clip(enc)+" is not supported")
		}
	}
	if req.Body != nil && req.Body.Size > 0 {
		if req.Body.Size > maxBody {
			return nil, fail("resource_exhausted", "request larger than 32 MiB")
		}
		var err error
		if req.Header("Content-Encoding") == "gzip" {
			c.body, err = h.Gunzip(sdk.Source{Blob: req.Body.Digest}, maxBody)
		} else {
			c.body, err = readAll(h, req.Body.Digest, req.Body.Size)
		}
		if err != nil {
			return nil, fail("invalid_argument", "unreadable request body: "+err.Error())
		}
	}
	return fn(c)
}

// decode reads the request into v or fails with invalid_argument.
func (c *call) decode(v any) error {
	if len(c.body) == 0 {
		return nil
	}
	if err := decode(c.body, c.binary, v); err != nil {
		return fail("invalid_argument", "malformed request: "+err.Error())
	}
	return nil
}

// reply answers with the message, encoded by the request's codec: bin is
// its binary form, js its JSON form.
func (c *call) reply(bin []byte, js any) (*sdk.Response, error) {
	if c.binary {
		return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: bin,
			Headers: []sdk.Header{{Name: "Content-Type", Value: "application/proto"}}}, nil
	}
	b, err := json.Marshal(js)
	if err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// readAll reads a whole blob of size bytes (the host caps one read at
// 16 MiB).
func readAll(h sdk.Host, digest string, size uint64) ([]byte, error) {
	out := make([]byte, 0, size)
	for uint64(len(out)) < size {
		chunk, err := h.ReadBlob(digest, uint64(len(out)), uint32(min(size-uint64(len(out)), 8<<20)))
		if err != nil {
			return nil, err
		}
		if len(chunk) == 0 {
			return nil, errWire
		}
		out = append(out, chunk...)
	}
	return out, nil
}
