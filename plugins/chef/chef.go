// Chef Supermarket API (https://docs.chef.io/supermarket/supermarket_api/),
// as knife (`knife supermarket list|show|download|share`, lib/chef/knife/
// supermarket_*.rb of github.com/chef/chef) and Berkshelf (the universe
// endpoint and CommunityREST of github.com/berkshelf/berkshelf) call it.
// The site URL is http://HOST/chef/REPO; under it:
//
//	GET  universe                                    every cookbook version with download_url and dependencies
//	GET  api/v1/cookbooks?start=&items=              cookbook listing
//	GET  api/v1/search?q=&start=&items=              cookbooks whose name or description contains q
//	GET  api/v1/cookbooks/NAME                       a cookbook: latest_version, versions (URLs)
//	GET  api/v1/cookbooks/NAME/versions/VERSION      a version (1.2.3, 1_2_3 or latest): file, dependencies, platforms
//	GET  api/v1/cookbooks/NAME/versions/VERSION/download   302 to the tarball
//	POST api/v1/cookbooks                            multipart: "cookbook" (JSON, category) + "tarball"; 201 {"uri"}
//
// Errors are {"error_code": …, "error_messages": […]}, as the Supermarket
// answers them.
package chef

import (
	"encoding/json"
	"errors"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Version is the plugin's version.
const Version = "0.1.0"

// Plugin implements sdk.Plugin for Chef Supermarket repositories.
type Plugin struct{}

var _ sdk.Plugin = Plugin{}

// Describe implements sdk.Plugin.
func (Plugin) Describe() sdk.Info {
	return sdk.Info{Key: "chef", DisplayName: "Chef Supermarket", Version: Version, ContractVersion: sdk.ContractVersion,
		Mounts: []sdk.Mount{{Prefix: "/chef/"}}, Credentials: credentials, Setup: setup}
}

// Handle implements sdk.Plugin.
func (Plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Repo == nil {
		return errorDoc(404, "NOT_FOUND", "not a Chef Supermarket repository"), nil
	}
	resp, err := route(h, req)
	var se *supermarketError
	if errors.As(err, &se) {
		return errorDoc(se.Status, se.Code, se.Message), nil
	}
	return resp, err
}

func route(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	p := strings.TrimPrefix(req.Path, "/")
	get := req.Method == "GET" || req.Method == "HEAD"
	a := api{h: h, req: req, base: req.Repo.BaseURL}
	switch {
	case p == "universe" || p == "api/v1/universe":
		if !get {
			return nil, notAllowed(req)
		}
		return a.universe()
	case p == "api/v1/cookbooks":
		switch {
		case req.Method == "POST":
			return a.publish()
		case get:
			return a.list("")
		}
		return nil, notAllowed(req)
	case p == "api/v1/search":
		if !get {
			return nil, notAllowed(req)
		}
		return a.search()
	}
	rest, ok := strings.CutPrefix(p, "api/v1/cookbooks/")
	if !ok {
		return nil, fail(404, "NOT_FOUND", "Resource does not exist.")
	}
	if !get {
		return nil, notAllowed(req)
	}
	segs := strings.Split(rest, "/")
	if !validName(segs[0]) {
		return nil, fail(404, "NOT_FOUND", "Resource does not exist.")
	}
	switch {
	case len(segs) == 1:
		return a.cookbook(segs[0])
	case len(segs) == 3 && segs[1] == "versions":
		return a.version(segs[0], segs[2])
	case len(segs) == 4 && segs[1] == "versions" && segs[3] == "download":
		return a.download(segs[0], segs[2])
	}
	return nil, fail(404, "NOT_FOUND", "Resource does not exist.")
}

// supermarketError is a failure answered in the Supermarket's error shape.
type supermarketError struct {
	Status  int
	Code    string
	Message string
}

func (e *supermarketError) Error() string { return e.Message }

func fail(status int, code, msg string) error {
	return &supermarketError{Status: status, Code: code, Message: msg}
}

func notAllowed(req *sdk.Request) error {
	return fail(405, "METHOD_NOT_ALLOWED", "method "+clip(req.Method)+" not allowed here")
}

func errorDoc(status int, code, msg string) *sdk.Response {
	return jsonResponse(status, map[string]any{"error_code": code, "error_messages": []string{msg}}, 0)
}

func jsonResponse(status int, v any, ttl uint64) *sdk.Response {
	b, _ := json.Marshal(v)
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: ttl,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}

// validName is a cookbook name: letters, digits, '_' and '-' (the
// Supermarket's Cookbook name validation), at most 100 characters.
func validName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validVersion is a Chef cookbook version: two or three non-negative
// integers joined by dots (Chef::Version), at most 64 characters.
func validVersion(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 1 && p[0] == '0' {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
