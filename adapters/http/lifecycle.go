package http

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/lifecycle"
	"github.com/keeper-registry/keeper/ports"
)

// lifecycleSchemas are the bodies of the lifecycle API (docs/lifecycle.md).
var lifecycleSchemas = obj{
	"LifecyclePolicy": object(obj{"id": integer(), "name": str(), "repository": str(), "keep_last": integer(),
		"older_than":         obj{"type": "string", "description": "a duration: 720h, or days: 30d (empty: unset)"},
		"not_downloaded_for": obj{"type": "string", "description": "a duration: 720h, or days: 30d (empty: unset)"},
		"include":            obj{"type": "string", "description": "glob on the package name (the path of an unversioned file)"},
		"exclude":            str(), "enabled": boolean(), "last_run_at": str(), "last_deleted": integer(), "last_error": str(),
		"created_by": str(), "created_at": str(), "updated_at": str()}, "name", "repository"),
	"LifecyclePolicyList": object(obj{"items": arr(ref("LifecyclePolicy"))}, "items"),
	"LifecycleReport": object(obj{"policy": str(), "repository": str(), "dry_run": boolean(), "bytes": integer(), "truncated": boolean(),
		"at": str(), "items": arr(object(obj{"package": str(), "version": str(), "paths": arr(str()), "bytes": integer(), "reason": str()}))},
		"policy", "repository", "dry_run", "items"),
	"Quota": object(obj{"max_bytes": integer(), "warn_bytes": integer(), "used_bytes": integer(), "warning": boolean()}, "max_bytes", "warn_bytes"),
}

// LifecycleRoutes are the lifecycle API (administrators only); the wiring
// adds them to the fx group "routes".
func LifecycleRoutes(svc *lifecycle.Service, repos ports.RepositoryStore) []Route {
	const get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	h := lifecycleHandlers{svc: svc, repos: repos}
	return []Route{
		route(get, "/lifecycle/policies", Admin, Doc{"lifecycle", "List cleanup policies (repository = one repository)", "", "LifecyclePolicyList", 200, nil}, h.list),
		route(post, "/lifecycle/policies", Admin, Doc{"lifecycle", "Create a cleanup policy of a local repository", "LifecyclePolicy", "LifecyclePolicy", 201, nil}, h.create),
		route(get, "/lifecycle/policies/:id", Admin, Doc{"lifecycle", "Get a cleanup policy", "", "LifecyclePolicy", 200, nil}, h.get),
		route(put, "/lifecycle/policies/:id", Admin, Doc{"lifecycle", "Replace a cleanup policy's rules (not its repository)", "LifecyclePolicy", "LifecyclePolicy", 200, nil}, h.update),
		route(del, "/lifecycle/policies/:id", Admin, Doc{"lifecycle", "Delete a cleanup policy", "", "", 204, nil}, h.delete),
		route(post, "/lifecycle/policies/:id/preview", Admin, Doc{"lifecycle", "Dry run: list exactly what running the policy now would delete", "", "LifecycleReport", 200, nil}, h.preview),
		route(post, "/lifecycle/policies/:id/run", Admin, Doc{"lifecycle", "Run the policy now (the scheduler runs enabled policies hourly)", "", "LifecycleReport", 200, nil}, h.run),
		route(get, "/repositories/:key/quota", Admin, Doc{"lifecycle", "A repository's storage quota and usage", "", "Quota", 200, nil}, h.quota),
		route(put, "/repositories/:key/quota", Admin, Doc{"lifecycle", "Set a repository's storage quota (0 and 0 removes it); writes past max_bytes answer 413", "Quota", "Quota", 200, nil}, h.setQuota),
	}
}

type lifecycleHandlers struct {
	svc   *lifecycle.Service
	repos ports.RepositoryStore
}

type lifecyclePolicyJSON struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	Repository       string `json:"repository"`
	KeepLast         int    `json:"keep_last"`
	OlderThan        string `json:"older_than"`
	NotDownloadedFor string `json:"not_downloaded_for"`
	Include          string `json:"include"`
	Exclude          string `json:"exclude"`
	Enabled          *bool  `json:"enabled"`
	LastRunAt        string `json:"last_run_at,omitempty"`
	LastDeleted      int64  `json:"last_deleted"`
	LastError        string `json:"last_error,omitempty"`
	CreatedBy        string `json:"created_by,omitempty"`
	CreatedAt        string `json:"created_at,omitempty"`
	UpdatedAt        string `json:"updated_at,omitempty"`
}

func durationText(d time.Duration) string {
	if d == 0 {
		return ""
	}
	if d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}

// parseDuration reads a Go duration or whole days ("30d"); empty is 0.
func parseDuration(field, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n > 0 && n <= 36500 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	return 0, ports.Invalidf(field, "a duration such as 720h or 30d")
}

func (h lifecycleHandlers) toJSON(c *gin.Context, p ports.LifecyclePolicy) lifecyclePolicyJSON {
	key := ""
	if rs, _, err := h.repos.ListRepositories(c.Request.Context(), ports.RepositoryFilter{}, ports.Page{Limit: 10_000}); err == nil {
		for _, r := range rs {
			if r.ID == p.RepositoryID {
				key = r.Key
			}
		}
	}
	enabled := p.Enabled
	return lifecyclePolicyJSON{ID: p.ID, Name: p.Name, Repository: key, KeepLast: p.KeepLast, OlderThan: durationText(p.OlderThan),
		NotDownloadedFor: durationText(p.NotDownloadedFor), Include: p.Include, Exclude: p.Exclude, Enabled: &enabled,
		LastRunAt: rfc3339(p.LastRunAt), LastDeleted: p.LastDeleted, LastError: p.LastError, CreatedBy: p.CreatedBy,
		CreatedAt: rfc3339(p.CreatedAt), UpdatedAt: rfc3339(p.UpdatedAt)}
}

// apply copies the body's rules onto p.
func (b lifecyclePolicyJSON) apply(p *ports.LifecyclePolicy) error {
	var err error
	p.Name, p.KeepLast, p.Include, p.Exclude = b.Name, b.KeepLast, b.Include, b.Exclude
	if p.OlderThan, err = parseDuration("older_than", b.OlderThan); err != nil {
		return err
	}
	if p.NotDownloadedFor, err = parseDuration("not_downloaded_for", b.NotDownloadedFor); err != nil {
		return err
	}
	p.Enabled = b.Enabled == nil || *b.Enabled
	return nil
}

func (h lifecycleHandlers) repo(c *gin.Context, key string) (ports.Repository, bool) {
	r, err := h.repos.GetRepository(c.Request.Context(), key)
	if errors.Is(err, ports.ErrNotFound) {
		Fail(c, http.StatusNotFound, "not_found", "repository "+strconv.Quote(key)+" not found")
		return r, false
	}
	if err != nil {
		WriteError(c, err)
		return r, false
	}
	return r, true
}

func (h lifecycleHandlers) list(c *gin.Context) {
	var repoID int64
	if key := c.Query("repository"); key != "" {
		r, ok := h.repo(c, key)
		if !ok {
			return
		}
		repoID = r.ID
	}
	ps, err := h.svc.List(c.Request.Context(), repoID)
	if err != nil {
		WriteError(c, err)
		return
	}
	out := make([]lifecyclePolicyJSON, len(ps))
	for i, p := range ps {
		out[i] = h.toJSON(c, p)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (h lifecycleHandlers) create(c *gin.Context) {
	var b lifecyclePolicyJSON
	if !bindJSON(c, &b) {
		return
	}
	r, ok := h.repo(c, b.Repository)
	if !ok {
		return
	}
	p := ports.LifecyclePolicy{CreatedBy: subject(c).Username}
	if err := b.apply(&p); err != nil {
		WriteError(c, err)
		return
	}
	p, err := h.svc.Create(c.Request.Context(), r, p)
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "lifecycle.policy.create", p.Name, "repository="+r.Key)
	c.JSON(http.StatusCreated, h.toJSON(c, p))
}

func (h lifecycleHandlers) load(c *gin.Context) (ports.LifecyclePolicy, bool) {
	id, ok := idParam(c, "id")
	if !ok {
		return ports.LifecyclePolicy{}, false
	}
	p, err := h.svc.Get(c.Request.Context(), id)
	if err != nil {
		WriteError(c, err)
		return p, false
	}
	return p, true
}

func (h lifecycleHandlers) get(c *gin.Context) {
	if p, ok := h.load(c); ok {
		c.JSON(http.StatusOK, h.toJSON(c, p))
	}
}

func (h lifecycleHandlers) update(c *gin.Context) {
	p, ok := h.load(c)
	if !ok {
		return
	}
	var b lifecyclePolicyJSON
	if !bindJSON(c, &b) {
		return
	}
	if err := b.apply(&p); err != nil {
		WriteError(c, err)
		return
	}
	p, err := h.svc.Update(c.Request.Context(), p)
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "lifecycle.policy.update", p.Name, "")
	c.JSON(http.StatusOK, h.toJSON(c, p))
}

func (h lifecycleHandlers) delete(c *gin.Context) {
	p, ok := h.load(c)
	if !ok {
		return
	}
	if err := h.svc.Delete(c.Request.Context(), p.ID); err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "lifecycle.policy.delete", p.Name, "")
	c.Status(http.StatusNoContent)
}

func (h lifecycleHandlers) preview(c *gin.Context) {
	p, ok := h.load(c)
	if !ok {
		return
	}
	rep, err := h.svc.Preview(c.Request.Context(), p.ID)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

func (h lifecycleHandlers) run(c *gin.Context) {
	p, ok := h.load(c)
	if !ok {
		return
	}
	rep, err := h.svc.Run(c.Request.Context(), p.ID)
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "lifecycle.policy.run", p.Name, "deleted="+strconv.Itoa(len(rep.Items))+" bytes="+strconv.FormatInt(rep.Bytes, 10))
	c.JSON(http.StatusOK, rep)
}

type quotaJSON struct {
	MaxBytes  int64 `json:"max_bytes"`
	WarnBytes int64 `json:"warn_bytes"`
	UsedBytes int64 `json:"used_bytes"`
	Warning   bool  `json:"warning"`
}

func (h lifecycleHandlers) writeQuota(c *gin.Context, r ports.Repository) {
	q, used, err := h.svc.Quota(c.Request.Context(), r)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, quotaJSON{MaxBytes: q.MaxBytes, WarnBytes: q.WarnBytes, UsedBytes: used,
		Warning: q.WarnBytes > 0 && used >= q.WarnBytes})
}

func (h lifecycleHandlers) quota(c *gin.Context) {
	if r, ok := h.repo(c, c.Param("key")); ok {
		h.writeQuota(c, r)
	}
}

func (h lifecycleHandlers) setQuota(c *gin.Context) {
	r, ok := h.repo(c, c.Param("key"))
	if !ok {
		return
	}
	var b quotaJSON
	if !bindJSON(c, &b) {
		return
	}
	if err := h.svc.SetQuota(c.Request.Context(), r, b.MaxBytes, b.WarnBytes); err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "repository.quota", r.Key, "max_bytes="+strconv.FormatInt(b.MaxBytes, 10)+" warn_bytes="+strconv.FormatInt(b.WarnBytes, 10))
	h.writeQuota(c, r)
}
