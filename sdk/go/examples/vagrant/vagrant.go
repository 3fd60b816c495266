package vagrant

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Plugin implements sdk.Plugin for Vagrant box catalogs.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

var (
	namePattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	versionPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+){0,3}$`)
)

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "vagrant-example", DisplayName: "Vagrant boxes (SDK example)", Version: "0.1.0",
		ContractVersion: sdk.ContractVersion, Mounts: []sdk.Mount{{Prefix: "/vagrant-example/"}}}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return fail(404, "repository not found"), nil
	}
	p, err := url.PathUnescape(req.Path)
	if err != nil {
		return fail(400, "bad path escape"), nil
	}
	seg := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case len(seg) == 2 && (req.Method == "GET" || req.Method == "HEAD"):
		return catalog(h, req, strings.TrimSuffix(seg[0], ".json"), strings.TrimSuffix(seg[1], ".json"))
	case len(seg) == 4 && strings.HasSuffix(seg[3], ".box"):
		b := box{org: seg[0], name: seg[1], version: seg[2], provider: strings.TrimSuffix(seg[3], ".box")}
		if msg := b.invalid(); msg != "" {
			return fail(400, msg), nil
		}
		switch req.Method {
		case "PUT":
			return upload(h, req, b)
		case "DELETE":
			return remove(h, b)
		case "GET", "HEAD":
			return fail(404, "no such box: "+b.path()), nil // stored boxes never reach the plugin
		}
	}
	return fail(404, "not found"), nil
}

type box struct{ org, name, version, provider string }

func (b box) pkg() string  { return b.org + "/" + b.name }
func (b box) path() string { return b.pkg() + "/" + b.version + "/" + b.provider + ".box" }

func (b box) invalid() string {
	for _, s := range []string{b.org, b.name, b.provider} {
		if !namePattern.MatchString(s) {
			return "invalid name " + strconvQuote(s) + ": use letters, digits, '.', '_' or '-'"
		}
	}
	if !versionPattern.MatchString(b.version) {
		return "invalid version " + strconvQuote(b.version) + ": use numbers like 1.2.3"
	}
	return ""
}

func upload(h sdk.Host, req *sdk.Request, b box) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 {
		return fail(400, "a box upload needs a body"), nil
	}
	head, err := h.ReadBlob(req.Body.Digest, 0, 512)
	if err != nil {
		return nil, err
	}
	// A box is a tar archive, usually gzip-compressed.
	isGzip := len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b
	isTar := len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar"))
	if !isGzip && !isTar {
		return fail(400, "a box must be a tar or tar.gz archive"), nil
	}
	if f, err := h.GetFile(b.path()); err != nil {
		return nil, err
	} else if f != nil {
		return fail(409, "version "+b.version+" of "+b.pkg()+" already has a "+b.provider+" box"), nil
	}
	if err := h.StageFile(sdk.StagedFile{Path: b.path(), BlobDigest: req.Body.Digest,
		ContentType: "application/octet-stream", Package: b.pkg(), Version: b.version}); err != nil {
		return nil, err
	}
	out, _ := json.Marshal(map[string]string{"url": req.Repo.BaseURL + "/" + b.path(), "checksum": req.Body.Digest, "checksum_type": "sha256"})
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: out,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

func remove(h sdk.Host, b box) (*sdk.Response, error) {
	f, err := h.GetFile(b.path())
	if err != nil {
		return nil, err
	}
	if f == nil {
		return fail(404, "no such box: "+b.path()), nil
	}
	if err := h.StageDelete(b.path()); err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 204}, nil
}

type provider struct {
	Name         string `json:"name"`
	URL          string `json:"url"`
	Checksum     string `json:"checksum"`
	ChecksumType string `json:"checksum_type"`
}

type version struct {
	Version   string     `json:"version"`
	Providers []provider `json:"providers"`
}

// catalog renders the box metadata document from the stored boxes.
func catalog(h sdk.Host, req *sdk.Request, org, name string) (*sdk.Response, error) {
	pkg := org + "/" + name
	byVersion := map[string][]provider{}
	after := ""
	for {
		files, err := h.ListFiles(pkg+"/", after, 500, pkg)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			prov := strings.TrimSuffix(f.Path[strings.LastIndex(f.Path, "/")+1:], ".box")
			byVersion[f.Version] = append(byVersion[f.Version], provider{Name: prov,
				URL: req.Repo.BaseURL + "/" + f.Path, Checksum: f.SHA256, ChecksumType: "sha256"})
		}
		if len(files) < 500 {
			break
		}
		after = files[len(files)-1].Path
	}
	if len(byVersion) == 0 {
		return fail(404, "no box named "+pkg), nil
	}
	doc := struct {
		Name     string    `json:"name"`
		Versions []version `json:"versions"`
	}{Name: pkg}
	for v, provs := range byVersion {
		doc.Versions = append(doc.Versions, version{Version: v, Providers: provs})
	}
	sort.Slice(doc.Versions, func(i, j int) bool { return newer(doc.Versions[i].Version, doc.Versions[j].Version) })
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: out, CacheTTLMs: 60_000,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// newer orders dotted numeric versions, newest first.
func newer(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		x, y := num(as, i), num(bs, i)
		if x != y {
			return x > y
		}
	}
	return false
}

func num(parts []string, i int) int {
	if i >= len(parts) {
		return 0
	}
	n := 0
	for _, c := range parts[i] {
		n = n*10 + int(c-'0')
	}
	return n
}

func fail(status int, msg string) *sdk.Response {
	out, _ := json.Marshal(map[string][]string{"errors": {msg}})
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: out,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }
