package alpine

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for Alpine Linux package repositories.
//
// Routes under /alpine/<repo> (a repository holds branches, e.g. v3.20,
// each with repositories, e.g. main, each with architectures):
//
//	PUT    /<branch>/<repo>/<arch>/<name>-<version>.apk   upload
//	GET    /<branch>/<repo>/<arch>/<name>-<version>.apk   the package (host fast path)
//	GET    /<branch>/<repo>/<arch>/APKINDEX.tar.gz        the signed index
//	GET    /keys/<keyname>.rsa.pub                        the index signing key (PEM)
//	DELETE /<branch>/<repo>/<arch>/<name>-<version>.apk   remove a package
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "alpine", DisplayName: "Alpine (apk)", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/alpine/"}}, Credentials: &sdk.DefaultCredentials, Setup: setup}
}

var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "apk", Target: "/etc/apk/repositories", Text: "{repo-url}/v3.20/main\n"},
	{Kind: sdk.SetupClient, Client: "apk", Text: "wget -P /etc/apk/keys/ {repo-url}/keys/KEYNAME.rsa.pub"},
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -u {user}:{token} -T NAME-VERSION.apk {repo-url}/v3.20/main/x86_64/"},
	{Kind: sdk.SetupConsume, Client: "apk", Text: "apk add NAME"},
}

// segRE bounds branch, repository and architecture names.
var segRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$`)

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return nil, sdk.Errorf(404, "repository not found")
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil || !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return nil, sdk.Errorf(400, "bad path")
	}
	segs := strings.Split(p[1:], "/")
	if len(segs) == 2 && segs[0] == "keys" && (req.Method == "GET" || req.Method == "HEAD") {
		if strings.Contains(req.Header("Accept"), "application/json") {
			// Asked for a virtual repository's merge, which answers with
			// the virtual's own key (merge.go): any member's answer will do.
			return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: []byte(segs[1])}, nil
		}
		return publicKey(h, segs[1])
	}
	if len(segs) != 4 || !segRE.MatchString(segs[0]) || !segRE.MatchString(segs[1]) || !segRE.MatchString(segs[2]) {
		return nil, sdk.Errorf(404, "not found: %s (paths are /<branch>/<repo>/<arch>/<file>)", p)
	}
	dir, file := strings.Join(segs[:3], "/"), segs[3]
	switch req.Method {
	case "PUT":
		if file == "" {
			return nil, sdk.Errorf(400, "upload to /<branch>/<repo>/<arch>/<name>-<version>.apk")
		}
		return upload(h, req, dir, segs[2], file)
	case "DELETE":
		return remove(h, dir, file)
	case "GET", "HEAD":
	default:
		return nil, sdk.Errorf(405, "method %s not allowed", req.Method)
	}
	if file == "APKINDEX.tar.gz" {
		return serveIndex(h, dir, segs[0]+"/"+segs[1])
	}
	return nil, sdk.Errorf(404, "not found: %s", p)
}

// FileMeta is the metadata JSON stored with a package file.
type FileMeta struct {
	Entry string `json:"entry"`
}

func upload(h sdk.Host, req *sdk.Request, dir, arch, file string) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 {
		return nil, sdk.Errorf(400, "upload has no body")
	}
	p, err := verify(h, req.Body)
	if err != nil {
		if errors.Is(err, ErrBadPackage) {
			return nil, sdk.Errorf(400, "%s", err)
		}
		return nil, err
	}
	if file != p.FileName() {
		return nil, sdk.Errorf(400, "file name %s does not match .PKGINFO (%s)", file, p.FileName())
	}
	if p.Arch != arch && p.Arch != "noarch" {
		return nil, sdk.Errorf(400, "package arch %s does not match the directory's %s", p.Arch, arch)
	}
	dst := dir + "/" + file
	if f, err := h.GetFile(dst); err != nil {
		return nil, err
	} else if f != nil {
		return nil, sdk.Errorf(409, "%s %s (%s) already exists in %s", p.Name, p.Version, arch, dir)
	}
	meta, _ := json.Marshal(FileMeta{Entry: IndexEntry(p, req.Body.Size)})
	if err := h.StageFile(sdk.StagedFile{Path: dst, BlobDigest: req.Body.Digest, ContentType: "application/vnd.apk",
		Package: p.Name, Version: p.Version, Metadata: meta}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: p.Name, Version: p.Version}); err != nil {
		return nil, err
	}
	out, _ := json.Marshal(map[string]string{"name": p.Name, "version": p.Version, "path": dst, "checksum": p.Checksum()})
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: append(out, '\n'),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// verify parses the package and checks its data segment against datahash
// and the host's archive limits.
func verify(h sdk.Host, body *sdk.Body) (*Package, error) {
	head, err := h.ReadBlob(body.Digest, 0, uint32(min(body.Size, maxHeadBytes)))
	if err != nil {
		return nil, fmt.Errorf("alpine: read upload: %w", err)
	}
	p, err := ParseHead(head, func(b []byte) ([]byte, error) {
		s, err := h.Hash(sdk.SHA1, sdk.Source{Bytes: b})
		if err != nil {
			return nil, fmt.Errorf("alpine: sha1: %w", err)
		}
		return hex.DecodeString(s)
	})
	if err != nil {
		return nil, err
	}
	if p.DataStart >= body.Size {
		return nil, bad("truncated: the package has no data segment")
	}
	data, err := sdk.ConcatRanges(h, []sdk.BlobRange{{Digest: body.Digest, Offset: p.DataStart, Length: body.Size - p.DataStart}})
	if err != nil {
		return nil, fmt.Errorf("alpine: hash data segment: %w", err)
	}
	if data.Digest != p.DataHash {
		return nil, bad("the data segment does not match .PKGINFO datahash (forged or damaged)")
	}
	entries, err := h.ArchiveList(data.Digest, sdk.ArchiveTarGz, maxEntries)
	if err != nil {
		return nil, bad("the data segment cannot be read: %v", err)
	}
	for _, e := range entries {
		if !cleanName(e.Name) {
			return nil, bad("the data segment holds the unsafe name %q", e.Name)
		}
	}
	return p, nil
}

func remove(h sdk.Host, dir, file string) (*sdk.Response, error) {
	f, err := h.GetFile(dir + "/" + file)
	if err != nil {
		return nil, err
	}
	if f == nil || !strings.HasSuffix(file, ".apk") {
		return nil, sdk.Errorf(404, "not found: %s/%s", dir, file)
	}
	if err := h.StageDelete(f.Path); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 204}, nil
}
