package oci

import (
	"net/url"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// tokenTTL is the lifetime of access tokens minted by /v2/token.
const tokenTTL = 300

// handleRoot answers paths with no repository bound: the API version check
// `/v2/`, the token service and names whose repository does not exist.
func handleRoot(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	switch req.Path {
	case "/", "":
		// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#determining-support
		if req.User == "" {
			return ociError(401, codeUnauthorized, "authentication required", challenge(req, "")), nil
		}
		return jsonResponse(200, "application/json", struct{}{},
			sdk.Header{Name: "Docker-Distribution-API-Version", Value: "registry/2.0"}), nil
	case "/token":
		return token(h, req)
	case "/_catalog":
		return catalog(h, req)
	}
	if r, ok := parse(req.Path); ok && r.kind != "" {
		return ociError(404, codeNameUnknown, "repository name not known to registry"), nil
	}
	return ociError(404, codeNameUnknown, "no such endpoint"), nil
}

// challenge is the Bearer challenge of the token protocol,
// https://distribution.github.io/distribution/spec/auth/token/.
func challenge(req *sdk.Request, scope string) sdk.Header {
	v := `Bearer realm="` + req.BaseURL + `/v2/token",service="keeper"`
	if scope != "" {
		v += `,scope="` + scope + `"`
	}
	return sdk.Header{Name: "WWW-Authenticate", Value: v}
}

// tokenResponse is the token service's answer (docker, containerd, crane,
// oras and helm read token or access_token; docker keeps refresh_token).
type tokenResponse struct {
	Token        string `json:"token"`
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	IssuedAt     string `json:"issued_at"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// token implements GET (Basic credentials already checked by the host) and
// POST (OAuth2 form: grant_type password or refresh_token) of /v2/token,
// https://distribution.github.io/distribution/spec/auth/oauth/.
func token(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	q := query(req.RawQuery)
	var form url.Values
	switch req.Method {
	case "GET":
		form = q
	case "POST":
		if req.Body == nil {
			return ociError(400, codeUnsupported, "token request needs a form body"), nil
		}
		b, err := h.ReadBlob(req.Body.Digest, 0, 64<<10)
		if err != nil {
			return nil, err
		}
		form, err = url.ParseQuery(string(b))
		if err != nil {
			return ociError(400, codeUnsupported, "token request form: "+err.Error()), nil
		}
	default:
		return ociError(405, codeUnsupported, "method "+req.Method+" not allowed on the token service"), nil
	}
	scope := strings.Join(form["scope"], " ")
	now := time.Now().UTC().Format(time.RFC3339)
	switch form.Get("grant_type") {
	case "refresh_token":
		// The refresh token is an API token the host accepts as a bearer
		// credential: hand it back as the access token.
		rt := form.Get("refresh_token")
		if rt == "" {
			return ociError(400, codeUnsupported, "refresh_token missing"), nil
		}
		return jsonResponse(200, "application/json", tokenResponse{Token: rt, AccessToken: rt, ExpiresIn: tokenTTL,
			IssuedAt: now, RefreshToken: rt, Scope: scope}), nil
	case "password":
		tok, err := sdk.Login(h, form.Get("username"), form.Get("password"))
		if err != nil {
			return ociError(401, codeUnauthorized, "invalid username or password"), nil
		}
		return jsonResponse(200, "application/json", tokenResponse{Token: tok, AccessToken: tok, ExpiresIn: tokenTTL,
			IssuedAt: now, RefreshToken: tok, Scope: scope}), nil
	}
	offline := form.Get("offline_token") == "true" || form.Get("access_type") == "offline"
	if req.User == "" && offline {
		return ociError(401, codeUnauthorized, "authentication required",
			sdk.Header{Name: "WWW-Authenticate", Value: `Basic realm="keeper"`}), nil
	}
	// An anonymous caller gets an anonymous token: it reads what anonymous
	// callers may (public repositories), as on public registries.
	access, err := sdk.SessionToken(h, tokenTTL, false)
	if err != nil {
		return ociError(401, codeUnauthorized, "cannot mint a token: "+err.Error()), nil
	}
	resp := tokenResponse{Token: access, AccessToken: access, ExpiresIn: tokenTTL, IssuedAt: now, Scope: scope}
	if offline {
		if resp.RefreshToken, err = sdk.SessionToken(h, 0, true); err != nil {
			return ociError(401, codeUnauthorized, "cannot mint a refresh token: "+err.Error()), nil
		}
	}
	return jsonResponse(200, "application/json", resp), nil
}
