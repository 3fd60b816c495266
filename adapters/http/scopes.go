package http

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

// routeScopes is the scope a limited caller (an API token, or a credential
// a token service minted) needs on each REST route (paths relative to
// /api/v1); docs/authorization.md shows the same table. Public routes need
// none; every route not listed is server administration and needs "admin".
// Format routes (the dispatcher) need the scope of the action they perform.
var routeScopes = map[string]string{
	"GET /users/me": "",

	"GET /repositories":              auth.ScopeReadRepositories,
	"GET /repositories/:key":         auth.ScopeReadRepositories,
	"GET /repositories/:key/members": auth.ScopeReadRepositories,
	"GET /formats":                   auth.ScopeReadRepositories,
	"GET /system/stats":              auth.ScopeReadRepositories,

	"POST /repositories":              auth.ScopeWriteRepositories,
	"PATCH /repositories/:key":        auth.ScopeWriteRepositories,
	"DELETE /repositories/:key":       auth.ScopeWriteRepositories,
	"POST /repositories/:key/members": auth.ScopeWriteRepositories,
	"PUT /repositories/:key/members":  auth.ScopeWriteRepositories,

	"GET /repositories/:key/artifacts":          auth.ScopeReadArtifacts,
	"GET /repositories/:key/artifacts/*path":    auth.ScopeReadArtifacts,
	"GET /repositories/:key/download/*path":     auth.ScopeReadArtifacts,
	"GET /repositories/:key/history/*path":      auth.ScopeReadArtifacts,
	"HEAD /repositories/:key/download/*path":    auth.ScopeReadArtifacts,
	"PUT /repositories/:key/artifacts/*path":    auth.ScopeWriteArtifacts,
	"POST /uploads":                             auth.ScopeWriteArtifacts,
	"GET /uploads/:id":                          auth.ScopeWriteArtifacts,
	"PATCH /uploads/:id":                        auth.ScopeWriteArtifacts,
	"PUT /uploads/:id/complete":                 auth.ScopeWriteArtifacts,
	"DELETE /uploads/:id":                       auth.ScopeWriteArtifacts,
	"DELETE /repositories/:key/artifacts/*path": auth.ScopeDeleteArtifacts,

	"GET /repositories/:key/properties":         auth.ScopeReadRepositories,
	"PATCH /repositories/:key/properties":       auth.ScopeWriteRepositories,
	"GET /repositories/:key/properties/*path":   auth.ScopeReadArtifacts,
	"PATCH /repositories/:key/properties/*path": auth.ScopeWriteArtifacts,
	"POST /promote": auth.ScopeWriteArtifacts,

	"PATCH /users/me":              auth.ScopeAccount,
	"PUT /users/me/password":       auth.ScopeAccount,
	"POST /users/me/tokens":        auth.ScopeAccount,
	"GET /users/me/tokens":         auth.ScopeAccount,
	"DELETE /users/me/tokens/:tid": auth.ScopeAccount,
	"POST /auth/revoke-all":        auth.ScopeAccount,
	"POST /auth/logout":            auth.ScopeAccount,
	"GET /users/me/totp":           auth.ScopeAccount,
	"POST /users/me/totp":          auth.ScopeAccount,
	"POST /users/me/totp/confirm":  auth.ScopeAccount,
	"DELETE /users/me/totp":        auth.ScopeAccount,
}

// scopeOf is the scope a limited caller needs for rt: the table's, none for
// public routes, else "admin" (every other route is server administration).
func scopeOf(rt Route) string {
	if sc, ok := routeScopes[rt.Method+" "+rt.Path]; ok {
		return sc
	}
	if rt.Access == Public {
		return ""
	}
	return auth.ScopeAdmin
}

// requireScope holds limited callers to the scope of the route (RFC 6750
// §3.1 insufficient_scope, naming it); it marks the request so the
// Authorizer does not ask again for a scope by action. It runs before the
// route's access check.
func requireScope(scope string) gin.HandlerFunc {
	return func(c *gin.Context) {
		sub := subject(c)
		if !auth.Limited(sub) {
			c.Next()
			return
		}
		if scope != "" && !auth.HasScope(sub, scope) {
			insufficientScope(c, sub, scope)
			return
		}
		c.Request = c.Request.WithContext(auth.WithScopeChecked(c.Request.Context()))
		c.Next()
	}
}

func insufficientScope(c *gin.Context, sub ports.Subject, scope string) {
	auditDenial(c, sub, "scope "+scope)
	c.Header("WWW-Authenticate", `Bearer realm="keeper", error="insufficient_scope", scope="`+scope+`"`)
	Fail(c, http.StatusForbidden, "insufficient_scope", "this credential lacks the scope "+scope)
}
