package http

import (
	"net/http"
	"strings"

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

// identityRoutes are the user, token, group, policy and audit routes.
func (s *Server) identityRoutes() []Route {
	const get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	return append([]Route{
		route(post, "/auth/logout", User, Doc{"auth", "End this session (its refresh-token family)", "", "", 204, nil}, s.logout),
		route(post, "/auth/revoke-all", User, Doc{"auth", "End every session of the signed-in user", "", "Revoked", 200, nil}, s.revokeAll),
		route(get, "/users/me", User, Doc{"auth", "The signed-in user", "", "Me", 200, nil}, s.me),
		route(patch, "/users/me", User, Doc{"users", "Change your own profile (email, display name)", "ProfilePatch", "User", 200, nil}, s.patchMe),
		route(put, "/users/me/password", User, Doc{"users", "Change your password (ends your other sessions; returns a new session)", "PasswordChange", "Session", 200, nil}, s.changePassword),
		route(post, "/users/me/tokens", User, Doc{"auth", "Mint an API token (shown once)", "TokenRequest", "Token", 201, nil}, s.createToken),
		route(get, "/users/me/tokens", User, Doc{"tokens", "List your API tokens (secrets are never shown again)", "", "TokenList", 200, nil}, s.listMyTokens),
		route(del, "/users/me/tokens/:tid", User, Doc{"tokens", "Revoke one of your API tokens", "", "", 204, nil}, s.revokeMyToken),

		route(get, "/users", Admin, Doc{"users", "List users (admin)", "", "UserList", 200, nil}, s.listUsers),
		route(post, "/users", Admin, Doc{"users", "Create a user or service account (admin)", "UserCreate", "User", 201, nil}, s.createUser),
		route(get, "/users/:id", Admin, Doc{"users", "Get a user (admin)", "", "User", 200, nil}, s.getUser),
		route(patch, "/users/:id", Admin, Doc{"users", "Change a user: profile, admin flag, disable, unlock, reset password (admin)", "UserPatch", "User", 200, nil}, s.patchUser),
		route(del, "/users/:id", Admin, Doc{"users", "Delete a user (admin)", "", "", 204, nil}, s.deleteUser),
		route(del, "/users/:id/sessions", Admin, Doc{"users", "End every session of a user (admin)", "", "Revoked", 200, nil}, s.revokeUserSessions),
		route(post, "/users/:id/tokens", Admin, Doc{"tokens", "Mint an API token for a user or service account (admin)", "TokenRequest", "Token", 201, nil}, s.createUserToken),
		route(get, "/users/:id/tokens", Admin, Doc{"tokens", "List a user's API tokens (admin)", "", "TokenList", 200, nil}, s.listUserTokens),
		route(del, "/users/:id/tokens/:tid", Admin, Doc{"tokens", "Revoke a user's API token (admin)", "", "", 204, nil}, s.revokeUserToken),
		route(get, "/groups", Admin, Doc{"groups", "List groups (admin)", "", "GroupList", 200, nil}, s.listGroups),
		route(post, "/groups", Admin, Doc{"groups", "Create a group (admin)", "GroupCreate", "Group", 201, nil}, s.createGroup),
		route(get, "/groups/:id", Admin, Doc{"groups", "Get a group with its members (admin)", "", "Group", 200, nil}, s.getGroup),
		route(del, "/groups/:id", Admin, Doc{"groups", "Delete a group (admin)", "", "", 204, nil}, s.deleteGroup),
		route(put, "/groups/:id/members", Admin, Doc{"groups", "Replace a group's members (admin)", "GroupMembers", "Group", 200, nil}, s.setGroupMembers),
		route(get, "/admin/audit", Admin, Doc{"audit", "The audit log, newest first (actor, action, since, until, offset, limit)", "", "AuditList", 200, nil}, s.listAudit),

		route(get, "/policies", User, Doc{"policies", "The authorization rules (policy authors)", "", "Policy", 200, nil}, policyOnly, s.getPolicies),
		route(put, "/policies", User, Doc{"policies", "Replace the rules atomically, validated and audited (policy authors)", "Policy", "Policy", 200, nil}, policyOnly, s.putPolicies),
		route(post, "/policies/check", User, Doc{"policies", "Dry run: may subject do action on repository, and which rule decided", "PolicyCheck", "PolicyDecision", 200, nil}, policyOnly, s.checkPolicy),
		route(get, "/policies/who", User, Doc{"policies", "Dry run: who may do action on a repository (repository, action)", "", "PolicyWho", 200, nil}, policyOnly, s.whoPolicy),
	}, s.twoFactorRoutes()...)
}

// policyOnly lets through callers the Authorizer grants the server-wide "policy" action.
func policyOnly(c *gin.Context) {
	if sub, ok := requireUser(c); ok && allowServer(c, sub, "policy") {
		c.Next()
	}
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
// and audit recorder reachable from package helpers and holds callers that
// must change their password to the password-change routes. Who may call a
// route is declared on the route itself (Route.Access, checked in mount).
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
