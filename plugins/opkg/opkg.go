package opkg

// The feed layout opkg reads: `src/gz <name> <url>` in opkg.conf makes
// `opkg update` fetch <url>/Packages.gz (<url>/Packages for `src`) and,
// with `option check_signature 1`, <url>/Packages.sig; `opkg install`
// fetches <url>/<Filename> of the package's paragraph
// (libopkg/opkg_cmd.c opkg_update_cmd and libopkg/opkg_download.c,
// https://git.yoctoproject.org/opkg/tree/libopkg/opkg_cmd.c and
// https://git.openwrt.org/?p=project/opkg-lede.git;a=blob;f=libopkg/opkg_cmd.c).

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// PluginVersion is the plugin version reported by describe.
const PluginVersion = "0.1.0"

// Plugin implements sdk.Plugin for opkg package feeds.
//
// Routes under /opkg/<repo> (a repository holds feeds: its root and
// directories of up to four segments, e.g. /packages/x86_64/base):
//
//	PUT    /<feed>/<name>_<version>_<arch>.ipk   upload
//	GET    /<feed>/<name>_<version>_<arch>.ipk   the package (host fast path)
//	GET    /<feed>/Packages[.gz]                 the feed index
//	GET    /<feed>/Packages.sig                  its armored OpenPGP detached signature
//	GET    /key.asc                              the signing key (armored OpenPGP)
//	DELETE /<feed>/<name>_<version>_<arch>.ipk   remove a package
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "opkg", DisplayName: "opkg (OpenWrt, Yocto)", Version: PluginVersion, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/opkg/"}}, Credentials: credentials, Setup: setup,
		Capabilities: []string{sdk.CapClassify, sdk.CapMerge}}
}

// segRE bounds feed directory names; maxFeedDepth their depth.
var segRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$`)

const maxFeedDepth = 4

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
	dir, file := strings.Join(segs[:len(segs)-1], "/"), segs[len(segs)-1]
	if len(segs)-1 > maxFeedDepth {
		return nil, sdk.Errorf(404, "not found: %s (feeds are at most %d directories deep)", clip(p), maxFeedDepth)
	}
	for _, s := range segs[:len(segs)-1] {
		if !segRE.MatchString(s) {
			return nil, sdk.Errorf(404, "not found: %s (bad feed directory %q)", clip(p), clip(s))
		}
	}
	get := req.Method == "GET" || req.Method == "HEAD"
	switch {
	case get && p == "/key.asc":
		if wantsMember(req) {
			// The virtual's key is its own: the member only lets merge answer.
			return textResponse("application/pgp-keys", []byte("{}"), 0), nil
		}
		return publicKey(h)
	case get && (file == "Packages" || file == "Packages.gz" || file == "Packages.sig"):
		return serveIndex(h, req, dir, file)
	case req.Method == "PUT":
		return upload(h, req, dir, file)
	case req.Method == "DELETE":
		return remove(h, dir, file)
	case get:
		return nil, sdk.Errorf(404, "not found: %s", clip(p))
	}
	return nil, sdk.Errorf(405, "method %s not allowed", req.Method)
}

// FileMeta is the metadata JSON stored with a package file.
type FileMeta struct {
	// Depth is the number of directories of the package's feed ("0" at
	// the repository's root), first in the stored JSON: the feed index's
	// template leaves out the files of deeper feeds by it and sorts on
	// it (assembled.go). Since contract 0.7.0; absent before.
	Depth string `json:"depth,omitempty"`
	// Stanza is the package's Packages paragraph.
	Stanza string `json:"stanza"`
}

func feedPath(dir, file string) string {
	if dir == "" {
		return file
	}
	return dir + "/" + file
}

func upload(h sdk.Host, req *sdk.Request, dir, file string) (*sdk.Response, error) {
	if req.User == "" {
		return nil, sdk.Errorf(401, "authentication required")
	}
	if !strings.HasSuffix(file, ".ipk") {
		return nil, bad("upload to /<feed>/<name>_<version>_<arch>.ipk")
	}
	if req.Body == nil || req.Body.Size == 0 {
		return nil, bad("empty body: send the .ipk file")
	}
	pk, err := inspect(h, req.Body)
	if err != nil {
		return nil, err
	}
	if file != pk.filename {
		return nil, bad("file name %q does not match the package's control file (%s %s %s): want %q",
			clip(file), pk.name, pk.version, pk.arch, pk.filename)
	}
	dst := feedPath(dir, file)
	if f, err := h.GetFile(dst); err != nil {
		return nil, err
	} else if f != nil {
		return nil, sdk.Errorf(409, "%s %s (%s) already exists in this feed", pk.name, pk.version, pk.arch)
	}
	md5 := req.Body.MD5
	if md5 == "" {
		if md5, err = h.Hash(sdk.MD5, sdk.Source{Blob: req.Body.Digest}); err != nil {
			return nil, err
		}
	}
	meta, _ := json.Marshal(FileMeta{Depth: feedDepth(dir), Stanza: stanza(pk.ctl, file, req.Body.Size, md5, req.Body.Digest)})
	if err := h.StageFile(sdk.StagedFile{Path: dst, BlobDigest: req.Body.Digest, ContentType: "application/vnd.opkg.ipk",
		Package: pk.name, Version: pk.version, Metadata: meta}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: pk.name, Version: pk.version}); err != nil {
		return nil, err
	}
	out, _ := json.Marshal(map[string]string{"name": pk.name, "version": pk.version, "arch": pk.arch, "path": dst,
		"sha256": req.Body.Digest})
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: append(out, '\n'),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

func remove(h sdk.Host, dir, file string) (*sdk.Response, error) {
	if !strings.HasSuffix(file, ".ipk") {
		return nil, sdk.Errorf(404, "not found: %s", clip(feedPath(dir, file)))
	}
	f, err := h.GetFile(feedPath(dir, file))
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, sdk.Errorf(404, "not found: %s", clip(feedPath(dir, file)))
	}
	if err := h.StageDelete(f.Path); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 204}, nil
}
