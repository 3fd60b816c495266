package vagrant

import (
	"net/url"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// The Vagrant-Cloud-compatible API that `vagrant cloud publish` (and `vagrant
// cloud box|version|provider`) drive when VAGRANT_SERVER_URL names the
// repository: Vagrant uses that URL as the API base when it has a path
// (plugins/commands/cloud/util.rb api_server_url, Vagrant 2.3), and the
// vagrant_cloud 3.0 gem (lib/vagrant_cloud/client.rb) sends the requests
// below with `Authorization: Bearer $VAGRANT_CLOUD_TOKEN`. API reference:
// https://developer.hashicorp.com/vagrant/vagrant-cloud/api/v1
//
//	GET  authenticate                                   who the token is
//	GET  user/ORG                                       the organisation and its boxes
//	GET  search?q=&provider=&sort=&order=&limit=&page=  boxes with a released version (cloud_search.go)
//	POST boxes                                          create a box
//	GET|PUT box/ORG/BOX                                 a box, with its versions
//	POST box/ORG/BOX/versions                           create a version (unreleased)
//	GET|PUT box/ORG/BOX/version/V                       a version
//	PUT  box/ORG/BOX/version/V/release|revoke           release or revoke it
//	POST box/ORG/BOX/version/V/providers                declare a provider
//	GET|PUT box/ORG/BOX/version/V/provider/P            a provider
//	GET  box/ORG/BOX/version/V/provider/P/upload[/direct]  where to PUT the box file
//
// These first segments are therefore not organisation names (reserved).
var apiRoots = map[string]bool{"authenticate": true, "user": true, "boxes": true, "box": true, "search": true}

// cloudNS holds the API's records: "box:ORG/BOX", "version:ORG/BOX/V" and
// "provider:ORG/BOX/V/P", each a JSON record below.
const cloudNS = "cloud"

// uploadTTL is how long an upload_path (and the session token in it) lasts.
const uploadTTL = 3600

type boxRecord struct {
	ShortDescription string `json:"short_description"`
	Private          bool   `json:"private"`
	CreatedAt        string `json:"created_at"`
	UpdatedAt        string `json:"updated_at"`
}

type versionRecord struct {
	Status      string `json:"status"` // unreleased, active or revoked
	Description string `json:"description"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

type providerRecord struct {
	URL          string `json:"url,omitempty"`
	Checksum     string `json:"checksum,omitempty"`
	ChecksumType string `json:"checksum_type,omitempty"`
	CreatedAt    string `json:"created_at"`
	UpdatedAt    string `json:"updated_at"`
}

// cloud answers the API routes; seg is the path split at '/'.
func cloud(h sdk.Host, req *sdk.Request, seg []string) (*sdk.Response, error) {
	if req.User == "" {
		return fail(401, "authentication failed: set VAGRANT_CLOUD_TOKEN to a Keeper API token"), nil
	}
	c := &cloudCall{h: h, req: req, now: time.Now().UTC().Format(time.RFC3339)}
	switch {
	case len(seg) == 1 && seg[0] == "authenticate" && isRead(req.Method):
		return jsonResponse(200, map[string]any{"user": map[string]string{"username": req.User}}, 0), nil
	case len(seg) == 2 && seg[0] == "user" && isRead(req.Method):
		return c.organization(seg[1])
	case len(seg) == 1 && seg[0] == "search" && isRead(req.Method):
		return c.search()
	case len(seg) == 1 && seg[0] == "boxes" && req.Method == "POST":
		return c.createBox()
	case len(seg) >= 3 && seg[0] == "box":
		return c.box(seg[1], seg[2], seg[3:])
	}
	return fail(404, "not found"), nil
}

func isRead(m string) bool { return m == "GET" || m == "HEAD" }

type cloudCall struct {
	h   sdk.Host
	req *sdk.Request
	now string
}

// box routes box/ORG/BOX/rest….
func (c *cloudCall) box(org, name string, rest []string) (*sdk.Response, error) {
	if !nameRe.MatchString(org) || !nameRe.MatchString(name) || apiRoots[org] {
		return fail(404, "no box named "+quote(org+"/"+name)), nil
	}
	pkg := org + "/" + name
	switch {
	case len(rest) == 0 && isRead(c.req.Method):
		return c.showBox(pkg)
	case len(rest) == 0 && c.req.Method == "PUT":
		return c.updateBox(pkg)
	case len(rest) == 1 && rest[0] == "versions" && c.req.Method == "POST":
		return c.createVersion(pkg)
	case len(rest) >= 2 && rest[0] == "version":
		b := box{org: org, name: name, version: rest[1], provider: "x"}
		if msg := b.invalid(); msg != "" {
			return fail(400, msg), nil
		}
		return c.version(b, rest[2:])
	}
	return fail(404, "not found"), nil
}

// version routes box/ORG/BOX/version/V/rest….
func (c *cloudCall) version(b box, rest []string) (*sdk.Response, error) {
	v, ok, err := c.versionRecord(b)
	if err != nil {
		return nil, err
	}
	if !ok {
		return fail(404, "version "+b.version+" of "+b.pkg()+" not found"), nil
	}
	switch {
	case len(rest) == 0 && isRead(c.req.Method):
		return c.versionResponse(b, v)
	case len(rest) == 0 && c.req.Method == "PUT":
		var in struct {
			Version struct {
				Description *string `json:"description"`
			} `json:"version"`
		}
		if r := c.readJSON(&in); r != nil {
			return r, nil
		}
		if in.Version.Description != nil {
			v.Description = *in.Version.Description
		}
		return c.saveVersion(b, v)
	case len(rest) == 1 && (rest[0] == "release" || rest[0] == "revoke") && c.req.Method == "PUT":
		v.Status = map[string]string{"release": "active", "revoke": "revoked"}[rest[0]]
		return c.saveVersion(b, v)
	case len(rest) == 1 && rest[0] == "providers" && c.req.Method == "POST":
		var in struct {
			Provider providerIn `json:"provider"`
		}
		if r := c.readJSON(&in); r != nil {
			return r, nil
		}
		b.provider = in.Provider.Name
		return c.putProvider(b, in.Provider, true)
	case len(rest) >= 2 && rest[0] == "provider":
		b.provider = rest[1]
		if msg := b.invalid(); msg != "" {
			return fail(400, msg), nil
		}
		return c.provider(b, rest[2:])
	}
	return fail(404, "not found"), nil
}

type providerIn struct {
	Name         string  `json:"name"`
	URL          *string `json:"url"`
	Checksum     *string `json:"checksum"`
	ChecksumType *string `json:"checksum_type"`
}

// provider routes box/ORG/BOX/version/V/provider/P/rest….
func (c *cloudCall) provider(b box, rest []string) (*sdk.Response, error) {
	p, ok, err := c.providerRecord(b)
	if err != nil {
		return nil, err
	}
	if !ok {
		return fail(404, "provider "+b.provider+" of "+b.pkg()+" "+b.version+" not found"), nil
	}
	switch {
	case len(rest) == 0 && isRead(c.req.Method):
		return jsonResponse(200, c.providerJSON(b, p), 0), nil
	case len(rest) == 0 && c.req.Method == "PUT":
		var in struct {
			Provider providerIn `json:"provider"`
		}
		if r := c.readJSON(&in); r != nil {
			return r, nil
		}
		in.Provider.Name = b.provider
		return c.putProvider(b, in.Provider, false)
	case (len(rest) == 1 && rest[0] == "upload" || len(rest) == 2 && rest[0] == "upload" && rest[1] == "direct") && isRead(c.req.Method):
		return c.uploadPath(b)
	}
	return fail(404, "not found"), nil
}

// uploadPath answers where the client PUTs the box file: the box's own
// path, with a short-lived session token of the caller as its userinfo
// (Vagrant's uploader runs curl, which sends userinfo as Basic; the PUT
// carries no other credentials). No callback: the PUT itself stores it.
func (c *cloudCall) uploadPath(b box) (*sdk.Response, error) {
	tok, err := sdk.SessionToken(c.h, uploadTTL, false)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(c.req.Repo.BaseURL)
	if err != nil {
		return nil, err
	}
	u.User = url.UserPassword("vagrant", tok)
	return jsonResponse(200, map[string]string{"upload_path": u.String() + "/" + b.path()}, 0), nil
}
