package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/policy"
	"github.com/keeper-registry/keeper/ports"
)

var pathMatch = path.Match

type policyJSON struct {
	Version int64              `json:"version"`
	Rules   []ports.PolicyRule `json:"rules"`
}

func (s *Server) getPolicies(c *gin.Context) {
	if !needs(c, s.d.Policies != nil, "policy engine") {
		return
	}
	rules, v, err := s.d.Policies.Rules(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	if rules == nil {
		rules = []ports.PolicyRule{}
	}
	c.JSON(http.StatusOK, policyJSON{Version: v, Rules: rules})
}

// putPolicies replaces every rule at once; a rule naming an unknown action
// or a malformed pattern refuses the whole change with a message.
func (s *Server) putPolicies(c *gin.Context) {
	if !needs(c, s.d.Policies != nil, "policy engine") {
		return
	}
	var req policyJSON
	if !bindJSON(c, &req) {
		return
	}
	if len(req.Rules) == 0 {
		Fail(c, http.StatusBadRequest, "invalid", "rules: must not be empty (a policy without rules would lock everybody out; `keeper policy reset` restores the defaults)")
		return
	}
	ctx := c.Request.Context()
	before, oldV, err := s.d.Policies.Rules(ctx)
	if err != nil {
		WriteError(c, err)
		return
	}
	if !s.mayGrant(c, before, req.Rules) {
		return
	}
	v, err := s.d.Policies.Replace(ctx, req.Rules)
	if err != nil {
		if errors.Is(err, ports.ErrInvalid) {
			recorder(c).By(ctx, subject(c), "policy.replace", "policies", audit.Failure, err.Error())
		}
		WriteError(c, err)
		return
	}
	detail, _ := json.Marshal(map[string]any{"from_version": oldV, "to_version": v, "before": len(before), "after": len(req.Rules), "rules": req.Rules})
	recorder(c).By(ctx, subject(c), "policy.replace", "policies", audit.Success, string(detail))
	s.getPolicies(c)
}

// mayGrant holds a policy author who is not an administrator to the rights
// they hold (core/policy.CheckGrants); it answers 403 and audits otherwise.
func (s *Server) mayGrant(c *gin.Context, before, next []ports.PolicyRule) bool {
	ctx := c.Request.Context()
	author := subject(c)
	author.TokenID, author.Scopes, author.Repos = 0, nil, nil
	if d, err := s.d.Authorizer.Authorize(ctx, author, ports.ActionAdmin, ports.Resource{}); err != nil {
		WriteError(c, err)
		return false
	} else if d.Allowed {
		return true
	}
	err := policy.CheckGrants(before, next, func(action, object string) (bool, error) {
		d, err := s.d.Authorizer.Authorize(ctx, author, action, ports.Resource{Repository: object, Public: object == policy.Public})
		return d.Allowed, err
	})
	if errors.Is(err, policy.ErrEscalation) {
		recorder(c).By(ctx, subject(c), "policy.replace", "policies", audit.Denied, err.Error())
		Fail(c, http.StatusForbidden, "forbidden", strings.TrimPrefix(err.Error(), "policy: "))
		return false
	}
	if err != nil {
		WriteError(c, err)
		return false
	}
	return true
}

// subjectNamed builds the subject a policy dry run asks about: "anonymous",
// or a username (optionally "user:NAME") resolved with its groups and flags.
func (s *Server) subjectNamed(c *gin.Context, name string) (ports.Subject, bool) {
	name = strings.TrimPrefix(strings.TrimSpace(name), "user:")
	if name == "" || name == "anonymous" || name == "role:anonymous" {
		return auth.Anonymous, true
	}
	if !needs(c, s.d.Users != nil, "user store") {
		return auth.Anonymous, false
	}
	u, err := s.d.Users.GetUserByName(c.Request.Context(), name)
	if err != nil {
		WriteError(c, fmt.Errorf("subject %q: %w", name, err))
		return auth.Anonymous, false
	}
	sub, err := s.d.Auth.SubjectOf(c.Request.Context(), u)
	if err != nil {
		WriteError(c, err)
		return auth.Anonymous, false
	}
	return sub, true
}

// resource describes a repository by key; an unknown key is checked as a private repository.
func (s *Server) resource(c *gin.Context, key string) ports.Resource {
	res := ports.Resource{Repository: key}
	if key != "" && s.d.Repos != nil {
		if r, err := s.d.Repos.Get(c.Request.Context(), key); err == nil {
			res.Public = r.IsPublic
		}
	}
	return res
}

func (s *Server) checkPolicy(c *gin.Context) {
	var req struct {
		Subject    string `json:"subject"`
		Repository string `json:"repository"`
		Action     string `json:"action"`
	}
	if !bindJSON(c, &req) {
		return
	}
	if req.Action == "" {
		Fail(c, http.StatusBadRequest, "invalid", "action: must not be empty")
		return
	}
	sub, ok := s.subjectNamed(c, req.Subject)
	if !ok {
		return
	}
	d, err := s.d.Authorizer.Authorize(c.Request.Context(), sub, req.Action, s.resource(c, req.Repository))
	if err != nil {
		WriteError(c, err)
		return
	}
	decision := "deny"
	if d.Allowed {
		decision = "allow"
	}
	c.JSON(http.StatusOK, gin.H{"allowed": d.Allowed, "decision": decision, "rule": d.Rule, "subject": sub.Username,
		"groups": sub.Groups, "repository": req.Repository, "action": req.Action})
}

// whoPolicy lists the rule subjects and the users that may do action on a repository.
func (s *Server) whoPolicy(c *gin.Context) {
	if !needs(c, s.d.Policies != nil, "policy engine") {
		return
	}
	key, action := c.Query("repository"), c.DefaultQuery("action", ports.ActionRead)
	if key == "" {
		Fail(c, http.StatusBadRequest, "invalid", "repository: query parameter required")
		return
	}
	ctx := c.Request.Context()
	res := s.resource(c, key)
	subjects, err := s.d.Policies.Who(ctx, res.Repository, res.Public, action)
	if err != nil {
		WriteError(c, err)
		return
	}
	users := []string{}
	truncated := false
	if s.d.Users != nil {
		const maxUsers = 5000
		for off := 0; off < maxUsers; off += 500 {
			page, total, err := s.d.Users.ListUsers(ctx, ports.Page{Offset: off, Limit: 500})
			if err != nil {
				WriteError(c, err)
				return
			}
			for _, u := range page {
				if u.Disabled {
					continue
				}
				sub, err := s.d.Auth.SubjectOf(ctx, u)
				if err != nil {
					WriteError(c, err)
					return
				}
				if d, err := s.d.Authorizer.Authorize(ctx, sub, action, res); err == nil && d.Allowed {
					users = append(users, u.Username)
				}
			}
			if off+len(page) >= total || len(page) == 0 {
				break
			}
			truncated = off+500 >= maxUsers
		}
	}
	if subjects == nil {
		subjects = []string{}
	}
	c.JSON(http.StatusOK, gin.H{"repository": key, "action": action, "public": res.Public, "subjects": subjects,
		"users": users, "users_truncated": truncated})
}
