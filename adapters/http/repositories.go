package http

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/repository"
	"github.com/keeper-registry/keeper/ports"
)

// repoJSON is the wire shape of a repository (field names as existing
// Artifact Keeper clients and scripts use them).
type repoJSON struct {
	ID             int64             `json:"id"`
	Key            string            `json:"key"`
	Name           string            `json:"name"`
	Format         string            `json:"format"`
	RepoType       string            `json:"repo_type"`
	IsPublic       bool              `json:"is_public"`
	Description    string            `json:"description"`
	UpstreamURL    string            `json:"upstream_url,omitempty"`
	AllowOverwrite bool              `json:"allow_overwrite"`
	Config         map[string]string `json:"config,omitempty"`
	MemberRepos    []ports.Member    `json:"member_repos"`
	// SecretsSet names the write-only settings that hold a value (the
	// upstream URL's credentials as "upstream_credentials", secret config keys).
	SecretsSet []string  `json:"secrets_set,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func toRepoJSON(r ports.Repository) repoJSON {
	members := r.Members
	if members == nil {
		members = []ports.Member{}
	}
	upstream, config, set := redactRepo(r)
	return repoJSON{ID: r.ID, Key: r.Key, Name: r.Name, Format: r.Format, RepoType: r.Type, IsPublic: r.IsPublic,
		Description: r.Description, UpstreamURL: upstream, AllowOverwrite: r.AllowOverwrite, Config: config,
		MemberRepos: members, SecretsSet: set, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// secretConfigKey matches repository settings that are credentials.
var secretConfigKey = ports.SecretConfigKey

// redactRepo removes the write-only fields from what the API shows: the
// upstream URL's user information and secret-looking config keys are never
// returned, to anyone (issue 20.12); their names go to secrets_set.
func redactRepo(r ports.Repository) (upstream string, config map[string]string, set []string) {
	upstream = r.UpstreamURL
	if u, err := url.Parse(r.UpstreamURL); err == nil && u.User != nil {
		u.User = nil
		upstream, set = u.String(), append(set, "upstream_credentials")
	}
	for k, v := range r.Config {
		if secretConfigKey.MatchString(k) {
			set = append(set, k)
			continue
		}
		if config == nil {
			config = map[string]string{}
		}
		config[k] = v
	}
	sort.Strings(set)
	return upstream, config, set
}

// keepSecrets makes a PATCH that round-trips the redacted view keep the
// stored credentials: secret config keys it leaves out keep their value (an
// empty string removes one), and an upstream URL without user information
// for the same scheme and host keeps the stored credentials.
func keepSecrets(old ports.Repository, p *patchRepoRequest) {
	if p.Config != nil {
		for k, v := range old.Config {
			if _, given := p.Config[k]; !given && secretConfigKey.MatchString(k) {
				p.Config[k] = v
			}
		}
		for k, v := range p.Config {
			if v == "" && secretConfigKey.MatchString(k) {
				delete(p.Config, k)
			}
		}
	}
	if p.UpstreamURL != nil {
		ou, err1 := url.Parse(old.UpstreamURL)
		nu, err2 := url.Parse(*p.UpstreamURL)
		if err1 == nil && err2 == nil && ou.User != nil && nu.User == nil && ou.Scheme == nu.Scheme && ou.Host == nu.Host {
			nu.User = ou.User
			s := nu.String()
			p.UpstreamURL = &s
		}
	}
}

// reservedKeys collide with endpoints the host or a root mount serves at a
// repository's place in the URL (/v2/token, /v2/_catalog, the REST API's
// own words), so a repository by that name would shadow them.
var reservedKeys = map[string]bool{"token": true, "_catalog": true, "api": true, "v2": true, "ui": true,
	"health": true, "livez": true, "ready": true, ".well-known": true}

type createRepoRequest struct {
	Key            string            `json:"key"`
	Name           string            `json:"name"`
	Format         string            `json:"format"`
	RepoType       string            `json:"repo_type"`
	IsPublic       bool              `json:"is_public"`
	Description    string            `json:"description"`
	UpstreamURL    string            `json:"upstream_url"`
	AllowOverwrite bool              `json:"allow_overwrite"`
	Config         map[string]string `json:"config"`
	MemberRepos    []ports.Member    `json:"member_repos"`
}

type patchRepoRequest struct {
	Name           *string           `json:"name"`
	Description    *string           `json:"description"`
	IsPublic       *bool             `json:"is_public"`
	UpstreamURL    *string           `json:"upstream_url"`
	AllowOverwrite *bool             `json:"allow_overwrite"`
	Config         map[string]string `json:"config"`
	MemberRepos    *[]ports.Member   `json:"member_repos"`
}

type listResponse[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

func (s *Server) createRepo(c *gin.Context) {
	if !requireAdmin(c) {
		return
	}
	var req createRepoRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.RepoType == "" {
		req.RepoType = ports.RepoLocal
	}
	if reservedKeys[strings.ToLower(req.Key)] {
		Fail(c, http.StatusBadRequest, "invalid", "key: "+req.Key+" is reserved (it names a server endpoint, such as /v2/token)")
		return
	}
	r, err := s.d.Repos.Create(c.Request.Context(), ports.Repository{Key: req.Key, Name: req.Name, Format: req.Format,
		Type: req.RepoType, IsPublic: req.IsPublic, Description: req.Description, UpstreamURL: req.UpstreamURL,
		AllowOverwrite: req.AllowOverwrite, Config: req.Config, Members: req.MemberRepos})
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "repository.create", r.Key, fmt.Sprintf("format=%s type=%s public=%v", r.Format, r.Type, r.IsPublic))
	c.JSON(http.StatusCreated, toRepoJSON(r))
}

func (s *Server) listRepos(c *gin.Context) {
	offset, _ := strconv.Atoi(c.DefaultQuery("offset", "0"))
	limit, _ := strconv.Atoi(c.DefaultQuery("limit", "100"))
	if p, err := strconv.Atoi(c.Query("page")); err == nil && p > 0 { // page/per_page as well
		if pp, err := strconv.Atoi(c.DefaultQuery("per_page", "100")); err == nil && pp > 0 {
			limit, offset = pp, (p-1)*pp
		}
	}
	q := c.Query("q")
	if len(q) > 200 {
		Fail(c, http.StatusBadRequest, "invalid", "q: at most 200 characters")
		return
	}
	items, total, err := s.visibleRepos(c, ports.RepositoryFilter{Format: c.Query("format"), Type: c.Query("type"), Query: q}, offset, limit)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, listResponse[repoJSON]{Items: items, Total: total, Offset: offset, Limit: limit})
}

// maxListedRepos bounds the scan behind one listing.
const maxListedRepos = 10_000

// visibleRepos pages through the repositories the caller may read: total
// and offsets count only those, so a listing reveals nothing about hidden
// repositories, not even how many there are (issue 20.15).
func (s *Server) visibleRepos(c *gin.Context, f ports.RepositoryFilter, offset, limit int) ([]repoJSON, int, error) {
	offset, limit = max(offset, 0), min(max(limit, 1), 1000)
	items := []repoJSON{}
	total := 0
	const batch = 500
	for from := 0; from < maxListedRepos; from += batch {
		repos, _, err := s.d.Repos.List(c.Request.Context(), f, ports.Page{Offset: from, Limit: batch})
		if err != nil {
			return nil, 0, err
		}
		for _, r := range repos {
			if !s.canSee(c, r) {
				continue
			}
			if total >= offset && len(items) < limit {
				items = append(items, toRepoJSON(r))
			}
			total++
		}
		if len(repos) < batch {
			break
		}
	}
	return items, total, nil
}

// canSee reports whether the caller may read r (listing hides the rest).
func (s *Server) canSee(c *gin.Context, r ports.Repository) bool {
	d, err := s.d.Authorizer.Authorize(c.Request.Context(), subject(c), ports.ActionRead, ports.Resource{Repository: r.Key, Public: r.IsPublic})
	return err == nil && d.Allowed
}

// repo loads the :key repository and checks action on it. A repository the
// caller may not read answers exactly like a missing one: 401 with a
// challenge to anonymous callers, 404 to everyone else (issue 20.15).
func (s *Server) repo(c *gin.Context, action string) (ports.Repository, bool) {
	return s.repoByKey(c, c.Param("key"), action)
}

// repoByKey is repo for a key that is not the :key parameter.
func (s *Server) repoByKey(c *gin.Context, key, action string) (ports.Repository, bool) {
	r, err := s.d.Repos.Get(c.Request.Context(), key)
	if errors.Is(err, ports.ErrNotFound) {
		s.hiddenRepoKey(c, key)
		return r, false
	}
	if err != nil {
		WriteError(c, err)
		return r, false
	}
	if !s.canSee(c, r) {
		s.hiddenRepoKey(c, key)
		return r, false
	}
	return r, s.authorize(c, action, r)
}

// hiddenRepo answers for a repository that is missing or not readable.
func (s *Server) hiddenRepo(c *gin.Context) { s.hiddenRepoKey(c, c.Param("key")) }

func (s *Server) hiddenRepoKey(c *gin.Context, key string) {
	if subject(c).Anonymous {
		challenge(c)
		Fail(c, http.StatusUnauthorized, "unauthorized", "authentication required")
		return
	}
	Fail(c, http.StatusNotFound, "not_found", fmt.Sprintf("repository %q not found", key))
}

func (s *Server) getRepo(c *gin.Context) {
	if r, ok := s.repo(c, ports.ActionRead); ok {
		c.JSON(http.StatusOK, toRepoJSON(r))
	}
}

func (s *Server) patchRepo(c *gin.Context) {
	if !requireAdmin(c) {
		return
	}
	var req patchRepoRequest
	if !bindJSON(c, &req) {
		return
	}
	old, err := s.d.Repos.Get(c.Request.Context(), c.Param("key"))
	if err != nil {
		WriteError(c, err)
		return
	}
	keepSecrets(old, &req)
	r, err := s.d.Repos.Update(c.Request.Context(), c.Param("key"), repository.Patch{Name: req.Name, Description: req.Description,
		IsPublic: req.IsPublic, UpstreamURL: req.UpstreamURL, AllowOverwrite: req.AllowOverwrite, Config: req.Config, Members: req.MemberRepos})
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "repository.update", r.Key, "")
	c.JSON(http.StatusOK, toRepoJSON(r))
}

func (s *Server) deleteRepo(c *gin.Context) {
	if !requireAdmin(c) {
		return
	}
	force, ok := forceParam(c)
	if !ok {
		return
	}
	if err := s.d.Repos.Delete(c.Request.Context(), c.Param("key"), force); err != nil {
		WriteError(c, err)
		return
	}
	detail := ""
	if force {
		detail = "forced"
	}
	audited(c, "repository.delete", c.Param("key"), detail)
	c.Status(http.StatusNoContent)
}

func (s *Server) listMembers(c *gin.Context) {
	if r, ok := s.repo(c, ports.ActionRead); ok {
		c.JSON(http.StatusOK, gin.H{"items": toRepoJSON(r).MemberRepos})
	}
}

func (s *Server) addMember(c *gin.Context) {
	if !requireAdmin(c) {
		return
	}
	var m ports.Member
	if !bindJSON(c, &m) {
		return
	}
	r, err := s.d.Repos.AddMember(c.Request.Context(), c.Param("key"), m)
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "repository.members", r.Key, "added "+m.RepoKey)
	c.JSON(http.StatusOK, gin.H{"items": toRepoJSON(r).MemberRepos})
}

func (s *Server) setMembers(c *gin.Context) {
	if !requireAdmin(c) {
		return
	}
	var req struct {
		MemberRepos []ports.Member `json:"member_repos"`
	}
	if !bindJSON(c, &req) {
		return
	}
	r, err := s.d.Repos.SetMembers(c.Request.Context(), c.Param("key"), req.MemberRepos)
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "repository.members", r.Key, "replaced")
	c.JSON(http.StatusOK, gin.H{"items": toRepoJSON(r).MemberRepos})
}

// forceParam reads ?force=true|false (absent is false); a bad value is a 400.
func forceParam(c *gin.Context) (bool, bool) {
	v, ok := c.GetQuery("force")
	if !ok {
		return false, true
	}
	force, err := strconv.ParseBool(v)
	if err != nil {
		Fail(c, http.StatusBadRequest, "invalid", fmt.Sprintf("force: %q is not true or false", v))
		return false, false
	}
	return force, true
}

// audited records a successful change by the caller, with the client
// address the gate put in the request context.
func audited(c *gin.Context, action, target, detail string) {
	recorder(c).By(c.Request.Context(), subject(c), action, target, audit.Success, detail)
}
