package http

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/remote"
	"github.com/keeper-registry/keeper/ports"
)

// maxUpstreamURL caps the URL an upstream test accepts.
const maxUpstreamURL = 2048

// upstreamTestSchemas are the bodies of the upstream test routes.
var upstreamTestSchemas = obj{
	"UpstreamTest": object(obj{"url": str(), "username": str(), "password": str(), "token": str()}),
	"UpstreamTestResult": object(obj{"reachable": boolean(), "status": integer(), "latency_ms": integer(),
		"refused": boolean(), "message": str()}, "reachable", "message"),
}

// upstreamTestRoutes make one GET to an upstream, for the remote repository
// wizard's "Test upstream" button.
func (s *Server) upstreamTestRoutes() []Route {
	return []Route{
		route(http.MethodPost, "/repositories/upstream-test", Admin, Doc{"repositories",
			"Test an upstream before creating a remote repository: one GET of url (with the credentials given) through the egress guard; answers whether it was reachable, the HTTP status, the latency and a message (never the credentials). A private, loopback or link-local address is refused unless egress.allow_private_networks or egress.allowed_hosts allow it",
			"UpstreamTest", "UpstreamTestResult", 200, nil}, s.testUpstream),
		route(http.MethodPost, "/repositories/:key/upstream/test", Admin, Doc{"repositories",
			"Test a remote repository's upstream: like /repositories/upstream-test; an empty url means the repository's upstream_url, and without credentials in the body the stored ones are sent, but only to the stored upstream's scheme and host",
			"UpstreamTest", "UpstreamTestResult", 200, nil}, s.testRepoUpstream),
	}
}

type upstreamTest struct {
	URL      string `json:"url"`
	Username string `json:"username"`
	Password string `json:"password"`
	Token    string `json:"token"`
}

type upstreamTestResult struct {
	Reachable bool   `json:"reachable"`
	Status    int    `json:"status,omitempty"`
	LatencyMS int64  `json:"latency_ms"`
	Refused   bool   `json:"refused,omitempty"`
	Message   string `json:"message"`
}

func (s *Server) testUpstream(c *gin.Context) {
	var req upstreamTest
	if !bindJSON(c, &req) {
		return
	}
	s.runUpstreamTest(c, "", req)
}

func (s *Server) testRepoUpstream(c *gin.Context) {
	var req upstreamTest
	if c.Request.ContentLength != 0 && !bindJSON(c, &req) {
		return
	}
	r, ok := s.repo(c, ports.ActionRead)
	if !ok {
		return
	}
	if r.Type != ports.RepoRemote {
		Fail(c, http.StatusBadRequest, "not_remote", "repository "+r.Key+" is not a remote repository; it has no upstream")
		return
	}
	stored, err := url.Parse(r.UpstreamURL)
	if err != nil {
		Fail(c, http.StatusBadRequest, "invalid_url", "the repository's upstream_url is not a valid URL")
		return
	}
	user := stored.User
	stored.User = nil
	if req.URL == "" {
		req.URL = stored.String()
	}
	if req.Username == "" && req.Password == "" && req.Token == "" && sameOrigin(req.URL, stored) {
		req.Username, req.Password, req.Token = r.Config[remote.ConfigUsername], r.Config[remote.ConfigPassword], r.Config[remote.ConfigToken]
		if user != nil && req.Username == "" && req.Token == "" {
			req.Username = user.Username()
			req.Password, _ = user.Password()
		}
	}
	s.runUpstreamTest(c, r.Key, req)
}

// sameOrigin reports whether raw has stored's scheme and host: stored
// credentials go only where the repository already sends them, so an
// admin cannot read them back by pointing a test at a server of theirs.
func sameOrigin(raw string, stored *url.URL) bool {
	u, err := url.Parse(raw)
	return err == nil && u.User == nil && u.Scheme == stored.Scheme && u.Host == stored.Host
}

// runUpstreamTest checks the URL, makes the GET and answers; the message
// names what happened in the admin's terms, never the transport's error
// text (which may carry resolved addresses) nor the credentials.
func (s *Server) runUpstreamTest(c *gin.Context, key string, req upstreamTest) {
	if s.d.Upstream == nil {
		Fail(c, http.StatusServiceUnavailable, "unavailable", "remote repositories are not configured")
		return
	}
	u, err := url.Parse(req.URL)
	switch {
	case req.URL == "":
		Fail(c, http.StatusBadRequest, "invalid_url", "url is required")
		return
	case len(req.URL) > maxUpstreamURL:
		Fail(c, http.StatusBadRequest, "invalid_url", fmt.Sprintf("url is longer than %d characters", maxUpstreamURL))
		return
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		Fail(c, http.StatusBadRequest, "invalid_url", "url must be an absolute http:// or https:// URL")
		return
	case u.User != nil:
		Fail(c, http.StatusBadRequest, "invalid_url", "put credentials in username/password or token, not in the URL")
		return
	}
	start := time.Now()
	resp, err := s.d.Upstream.Fetch(c.Request.Context(), ports.UpstreamRequest{URL: u.String(),
		Credentials: ports.UpstreamCredentials{Username: req.Username, Password: req.Password, Token: req.Token}})
	res := upstreamTestResult{LatencyMS: time.Since(start).Milliseconds()}
	if resp.Body != nil {
		_ = resp.Body.Close()
	}
	var ue *ports.UpstreamError
	switch {
	case errors.As(err, &ue) && ue.Refused:
		res.Refused = true
		res.Message = "refused by the egress policy: " + u.Hostname() + " is a private, loopback or link-local address (allow it with egress.allowed_hosts or egress.allow_private_networks)"
	case errors.As(err, &ue) && ue.Timeout:
		res.Message = "the upstream did not answer in time"
	case err != nil:
		res.Message = "could not get an answer from the upstream (DNS, connection or TLS failure)"
	default:
		res.Reachable = true
		res.Status = resp.Status
		res.Message = statusMessage(resp.Status)
	}
	audited(c, "repository.upstream.test", key, u.Redacted()+" → "+res.Message)
	c.JSON(http.StatusOK, res)
}

func statusMessage(status int) string {
	text := fmt.Sprintf("%d %s", status, http.StatusText(status))
	switch {
	case status >= 200 && status < 400:
		return "reachable: the upstream answered " + text
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "reachable, but the upstream refused the credentials: " + text
	case status == http.StatusNotFound:
		return "reachable, but the upstream has nothing at this URL: " + text
	default:
		return "reachable, but the upstream answered " + text
	}
}
