package http

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// routeScopes is the scope a limited caller (an API token, or a credential
// a token service minted) needs on each REST route; docs/authorization.md
// shows the same table. Public routes need none; every /api/v1 route not
// listed is server administration and needs "admin". Format routes (the
// dispatcher) need the scope of the action they perform instead.
var routeScopes = map[string]string{
	"GET /api/v1/users/me": "",

	"GET /api/v1/repositories":              auth.ScopeReadRepositories,
	"GET /api/v1/repositories/:key":         auth.ScopeReadRepositories,
	"GET /api/v1/repositories/:key/members": auth.ScopeReadRepositories,
	"GET /api/v1/formats":                   auth.ScopeReadRepositories,

	"POST /api/v1/repositories":              auth.ScopeWriteRepositories,
	"PATCH /api/v1/repositories/:key":        auth.ScopeWriteRepositories,
	"DELETE /api/v1/repositories/:key":       auth.ScopeWriteRepositories,
	"POST /api/v1/repositories/:key/members": auth.ScopeWriteRepositories,
	"PUT /api/v1/repositories/:key/members":  auth.ScopeWriteRepositories,

	"GET /api/v1/repositories/:key/artifacts":          auth.ScopeReadArtifacts,
	"GET /api/v1/repositories/:key/artifacts/*path":    auth.ScopeReadArtifacts,
	"GET /api/v1/repositories/:key/download/*path":     auth.ScopeReadArtifacts,
	"HEAD /api/v1/repositories/:key/download/*path":    auth.ScopeReadArtifacts,
	"PUT /api/v1/repositories/:key/artifacts/*path":    auth.ScopeWriteArtifacts,
	"POST /api/v1/uploads":                             auth.ScopeWriteArtifacts,
	"GET /api/v1/uploads/:id":                          auth.ScopeWriteArtifacts,
	"PATCH /api/v1/uploads/:id":                        auth.ScopeWriteArtifacts,
	"PUT /api/v1/uploads/:id/complete":                 auth.ScopeWriteArtifacts,
	"DELETE /api/v1/uploads/:id":                       auth.ScopeWriteArtifacts,
	"DELETE /api/v1/repositories/:key/artifacts/*path": auth.ScopeDeleteArtifacts,

	"PATCH /api/v1/users/me":              auth.ScopeAccount,
	"PUT /api/v1/users/me/password":       auth.ScopeAccount,
	"POST /api/v1/users/me/tokens":        auth.ScopeAccount,
	"GET /api/v1/users/me/tokens":         auth.ScopeAccount,
	"DELETE /api/v1/users/me/tokens/:tid": auth.ScopeAccount,
	"POST /api/v1/auth/revoke-all":        auth.ScopeAccount,
	"POST /api/v1/auth/logout":            auth.ScopeAccount,
	"GET /api/v1/users/me/totp":           auth.ScopeAccount,
	"POST /api/v1/users/me/totp":          auth.ScopeAccount,
	"POST /api/v1/users/me/totp/confirm":  auth.ScopeAccount,
	"DELETE /api/v1/users/me/totp":        auth.ScopeAccount,
}

// RouteScope returns the scope a limited caller needs for a route (method
// and gin full path), and whether the route is in the REST API at all.
func RouteScope(method, full string) (scope string, api bool) {
	if !strings.HasPrefix(full, "/api/v1/") {
		return "", false
	}
	if sc, ok := routeScopes[method+" "+full]; ok {
		return sc, true
	}
	if known, public := documented(method, full); known && public || isPublicRoute(method, full) {
		return "", true
	}
	return auth.ScopeAdmin, true
}

// isPublicRoute lists the undocumented routes anyone may call (sign-in flows).
func isPublicRoute(method, full string) bool {
	return strings.HasPrefix(full, "/api/v1/auth/") && full != "/api/v1/auth/logout" && full != "/api/v1/auth/revoke-all" ||
		method == http.MethodGet && full == "/api/v1/openapi.json"
}

// requireScope holds limited callers to the scope of the REST route they
// call, answering 403 with the missing scope named (RFC 6750 §3.1
// insufficient_scope); it marks the request so the Authorizer does not ask
// again for a scope by action.
func requireScope(c *gin.Context, sub ports.Subject) bool {
	if !auth.Limited(sub) {
		return true
	}
	scope, api := RouteScope(c.Request.Method, c.FullPath())
	if !api {
		return true
	}
	if scope != "" && !auth.HasScope(sub, scope) {
		insufficientScope(c, sub, scope)
		return false
	}
	c.Request = c.Request.WithContext(auth.WithScopeChecked(c.Request.Context()))
	return true
}

func insufficientScope(c *gin.Context, sub ports.Subject, scope string) {
	auditDenial(c, sub, "scope "+scope)
	c.Header("WWW-Authenticate", `Bearer realm="keeper", error="insufficient_scope", scope="`+scope+`"`)
	Fail(c, http.StatusForbidden, "insufficient_scope", "this credential lacks the scope "+scope)
}
