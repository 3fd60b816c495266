package http

import (
	"fmt"
	"net/http"
	"strconv"
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
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

func toRepoJSON(r ports.Repository) repoJSON {
	members := r.Members
	if members == nil {
		members = []ports.Member{}
	}
	return repoJSON{ID: r.ID, Key: r.Key, Name: r.Name, Format: r.Format, RepoType: r.Type, IsPublic: r.IsPublic,
		Description: r.Description, UpstreamURL: r.UpstreamURL, AllowOverwrite: r.AllowOverwrite, Config: r.Config,
		MemberRepos: members, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

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
	repos, total, err := s.d.Repos.List(c.Request.Context(), ports.RepositoryFilter{Format: c.Query("format"), Type: c.Query("type"), Query: q},
		ports.Page{Offset: offset, Limit: limit})
	if err != nil {
		WriteError(c, err)
		return
	}
	items := make([]repoJSON, 0, len(repos))
	for _, r := range repos {
		if s.canSee(c, r) {
			items = append(items, toRepoJSON(r))
		}
	}
	c.JSON(http.StatusOK, listResponse[repoJSON]{Items: items, Total: total, Offset: offset, Limit: limit})
}

// canSee reports whether the caller may read r (listing hides the rest).
func (s *Server) canSee(c *gin.Context, r ports.Repository) bool {
	d, err := s.d.Authorizer.Authorize(c.Request.Context(), subject(c), ports.ActionRead, ports.Resource{Repository: r.Key, Public: r.IsPublic})
	return err == nil && d.Allowed
}

// repo loads the :key repository and checks action on it.
func (s *Server) repo(c *gin.Context, action string) (ports.Repository, bool) {
	r, err := s.d.Repos.Get(c.Request.Context(), c.Param("key"))
	if err != nil {
		WriteError(c, err)
		return r, false
	}
	return r, s.authorize(c, action, r)
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
