package http

import (
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// Context keys the gate stores for package-level helpers (requireAdmin).
const (
	ctxAuthorizer = "keeper.authorizer"
	ctxRecorder   = "keeper.audit"
)

func init() {
	Document(
		Operation{"PATCH", "/users/me", "users", "Change your own profile (email, display name)", "ProfilePatch", "User", 200, false},
		Operation{"PUT", "/users/me/password", "users", "Change your password (ends your other sessions; returns a new session)", "PasswordChange", "Session", 200, false},
		Operation{"GET", "/users/me/tokens", "tokens", "List your API tokens (secrets are never shown again)", "", "TokenList", 200, false},
		Operation{"DELETE", "/users/me/tokens/:tid", "tokens", "Revoke one of your API tokens", "", "", 204, false},
		Operation{"GET", "/users", "users", "List users (admin)", "", "UserList", 200, false},
		Operation{"POST", "/users", "users", "Create a user or service account (admin)", "UserCreate", "User", 201, false},
		Operation{"GET", "/users/:id", "users", "Get a user (admin)", "", "User", 200, false},
		Operation{"PATCH", "/users/:id", "users", "Change a user: profile, admin flag, disable, unlock, reset password (admin)", "UserPatch", "User", 200, false},
		Operation{"DELETE", "/users/:id", "users", "Delete a user (admin)", "", "", 204, false},
		Operation{"DELETE", "/users/:id/sessions", "users", "End every session of a user (admin)", "", "Revoked", 200, false},
		Operation{"POST", "/users/:id/tokens", "tokens", "Mint an API token for a user or service account (admin)", "TokenRequest", "Token", 201, false},
		Operation{"GET", "/users/:id/tokens", "tokens", "List a user's API tokens (admin)", "", "TokenList", 200, false},
		Operation{"DELETE", "/users/:id/tokens/:tid", "tokens", "Revoke a user's API token (admin)", "", "", 204, false},
		Operation{"GET", "/groups", "groups", "List groups (admin)", "", "GroupList", 200, false},
		Operation{"POST", "/groups", "groups", "Create a group (admin)", "GroupCreate", "Group", 201, false},
		Operation{"GET", "/groups/:id", "groups", "Get a group with its members (admin)", "", "Group", 200, false},
		Operation{"DELETE", "/groups/:id", "groups", "Delete a group (admin)", "", "", 204, false},
		Operation{"PUT", "/groups/:id/members", "groups", "Replace a group's members (admin)", "GroupMembers", "Group", 200, false},
		Operation{"POST", "/auth/logout", "auth", "End this session (its refresh-token family)", "", "", 204, false},
		Operation{"POST", "/auth/revoke-all", "auth", "End every session of the signed-in user", "", "Revoked", 200, false},
		Operation{"GET", "/policies", "policies", "The authorization rules (policy authors)", "", "Policy", 200, false},
		Operation{"PUT", "/policies", "policies", "Replace the rules atomically, validated and audited (policy authors)", "Policy", "Policy", 200, false},
		Operation{"POST", "/policies/check", "policies", "Dry run: may subject do action on repository, and which rule decided", "PolicyCheck", "PolicyDecision", 200, false},
		Operation{"GET", "/policies/who", "policies", "Dry run: who may do action on a repository (repository, action)", "", "PolicyWho", 200, false},
		Operation{"GET", "/admin/audit", "audit", "The audit log, newest first (actor, action, since, until, offset, limit)", "", "AuditList", 200, false},
	)
}

func (s *Server) identityRoutes(api *gin.RouterGroup) {
	api.POST("/auth/logout", s.logout)
	api.POST("/auth/revoke-all", s.revokeAll)
	api.GET("/users/me", s.me)
	api.PATCH("/users/me", s.patchMe)
	api.PUT("/users/me/password", s.changePassword)
	api.POST("/users/me/tokens", s.createToken)
	api.GET("/users/me/tokens", s.listMyTokens)
	api.DELETE("/users/me/tokens/:tid", s.revokeMyToken)

	admin := api.Group("", adminOnly)
	admin.GET("/users", s.listUsers)
	admin.POST("/users", s.createUser)
	admin.GET("/users/:id", s.getUser)
	admin.PATCH("/users/:id", s.patchUser)
	admin.DELETE("/users/:id", s.deleteUser)
	admin.DELETE("/users/:id/sessions", s.revokeUserSessions)
	admin.POST("/users/:id/tokens", s.createUserToken)
	admin.GET("/users/:id/tokens", s.listUserTokens)
	admin.DELETE("/users/:id/tokens/:tid", s.revokeUserToken)
	admin.GET("/groups", s.listGroups)
	admin.POST("/groups", s.createGroup)
	admin.GET("/groups/:id", s.getGroup)
	admin.DELETE("/groups/:id", s.deleteGroup)
	admin.PUT("/groups/:id/members", s.setGroupMembers)
	admin.GET("/admin/audit", s.listAudit)
	s.twoFactorRoutes(api, admin)

	pol := api.Group("/policies", policyOnly)
	pol.GET("", s.getPolicies)
	pol.PUT("", s.putPolicies)
	pol.POST("/check", s.checkPolicy)
	pol.GET("/who", s.whoPolicy)
}

// policyOnly lets through callers the Authorizer grants the server-wide "policy" action.
func policyOnly(c *gin.Context) {
	if sub, ok := requireUser(c); ok && allowServer(c, sub, "policy") {
		c.Next()
	}
}

var (
	publicOnce sync.Once
	publicOps  map[string]bool // "METHOD /api/v1/path" of documented operations
)

// documented returns whether a route is in the OpenAPI table and if it is public.
func documented(method, fullPath string) (known, public bool) {
	publicOnce.Do(func() {
		publicOps = map[string]bool{}
		for _, o := range Operations() {
			publicOps[o.Method+" /api/v1"+o.Path] = o.Public
		}
	})
	public, known = publicOps[method+" "+fullPath]
	return known, public
}

// passwordChangeRoutes are all a caller who must change its password may use.
var passwordChangeRoutes = map[string]bool{
	"GET /api/v1/users/me": true, "PUT /api/v1/users/me/password": true, "POST /api/v1/auth/logout": true,
	"POST /api/v1/auth/login": true, "POST /api/v1/auth/refresh": true, "GET /api/v1/openapi.json": true,
	"GET /health": true, "GET /livez": true, "GET /ready": true,
}

// enrolmentRoutes are all an administrator who must turn on two-factor
// sign-in may use until they have.
var enrolmentRoutes = map[string]bool{
	"GET /api/v1/users/me": true, "GET /api/v1/users/me/totp": true, "POST /api/v1/users/me/totp": true,
	"POST /api/v1/users/me/totp/confirm": true, "POST /api/v1/auth/logout": true,
	"POST /api/v1/auth/login": true, "POST /api/v1/auth/refresh": true, "GET /api/v1/openapi.json": true,
	"GET /health": true, "GET /livez": true, "GET /ready": true,
}

// gate runs after authentication on every request: it makes the Authorizer
// and audit recorder reachable from package helpers, refuses anonymous
// callers on every documented non-public route (so no such route can be
// reached without credentials, whatever its handler does), and holds
// callers that must change their password to the password-change routes.
func (s *Server) gate(c *gin.Context) {
	c.Set(ctxAuthorizer, s.d.Authorizer)
	if s.d.Auth != nil {
		c.Set(ctxRecorder, s.d.Auth.Audit())
	}
	c.Request = c.Request.WithContext(audit.WithIP(c.Request.Context(), c.ClientIP()))
	full := c.FullPath()
	if auth.PasswordChangeRequired(c.Request.Context()) && !passwordChangeRoutes[c.Request.Method+" "+full] {
		Fail(c, http.StatusForbidden, "password_change_required", "change your password first: PUT /api/v1/users/me/password")
		return
	}
	if auth.TOTPEnrolmentRequired(c.Request.Context()) && !enrolmentRoutes[c.Request.Method+" "+full] {
		Fail(c, http.StatusForbidden, "totp_enrolment_required", "administrators must turn on two-factor sign-in first: POST /api/v1/users/me/totp")
		return
	}
	if known, public := documented(c.Request.Method, full); known && !public && subject(c).Anonymous {
		challenge(c)
		Fail(c, http.StatusUnauthorized, "unauthorized", "authentication required")
		return
	}
	if !requireScope(c, subject(c)) {
		return
	}
	c.Next()
}

// allowServer asks the Authorizer whether sub may do a server-wide action;
// it answers 403 (and audits the denial) when not.
func allowServer(c *gin.Context, sub ports.Subject, action string) bool {
	az, _ := c.Value(ctxAuthorizer).(ports.Authorizer)
	if az == nil {
		az = auth.BaselineAuthorizer{}
	}
	d, err := az.Authorize(c.Request.Context(), sub, action, ports.Resource{})
	if err != nil {
		WriteError(c, err)
		return false
	}
	if !d.Allowed {
		if !auth.TokenPermits(c.Request.Context(), sub, action, "") {
			if sc := auth.ScopeFor(action, ""); !auth.HasScope(sub, sc) {
				insufficientScope(c, sub, sc)
				return false
			}
			auditDenial(c, sub, action)
			Fail(c, http.StatusForbidden, "forbidden", "a credential limited to repositories cannot "+action+" the server")
			return false
		}
		auditDenial(c, sub, action)
		Fail(c, http.StatusForbidden, "forbidden", "not allowed to "+action+" (server)")
		return false
	}
	return true
}

func recorder(c *gin.Context) *audit.Recorder {
	r, _ := c.Value(ctxRecorder).(*audit.Recorder)
	return r
}

// auditDenial records a permission denial with the request as target.
func auditDenial(c *gin.Context, sub ports.Subject, action string) {
	recorder(c).By(c.Request.Context(), sub, "access.denied", c.Request.Method+" "+c.Request.URL.EscapedPath(), audit.Denied, "action "+action)
}

// needs answers 503 when an optional dependency is not wired.
func needs(c *gin.Context, ok bool, what string) bool {
	if !ok {
		Fail(c, http.StatusServiceUnavailable, "unavailable", what+" is not configured on this server")
	}
	return ok
}

func bearerToken(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	if scheme, v, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "bearer") {
		return strings.TrimSpace(v)
	}
	return ""
}
