package http

import (
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// Access says who may call a route. The server checks it before the
// route's handlers run, so no handler can forget it; the OpenAPI security
// requirement is derived from it, never the other way round.
type Access int

const (
	// Public routes take anonymous callers (handlers still check repository visibility).
	Public Access = iota
	// User routes need an authenticated caller (401 and a challenge otherwise).
	User
	// Admin routes need an administrator (401 for anonymous, 403 for others).
	Admin
)

// Route is one /api/v1 route: its method and path (gin syntax, relative to
// /api/v1), who may call it, its OpenAPI entry and its handlers. Every API
// route is a Route: the ones of this package are listed beside their
// handlers (routes*.go), other packages contribute theirs through the fx
// value group "routes" (see module.go).
type Route struct {
	Method   string
	Path     string // /repositories/:key/artifacts/*path
	Access   Access
	Doc      Doc
	Handlers []gin.HandlerFunc
}

// Doc is a route's OpenAPI entry.
type Doc struct {
	Tag     string
	Summary string
	// Body names a schema of the request JSON, or "binary", "form", "" (none).
	Body string
	// Returns names the success response's schema, "binary", "xml", "object", or "" (no body).
	Returns string
	Status  int
	// Errors are the other statuses this route answers beyond those every
	// route may answer (see commonErrors): 4xx/5xx carry the Error schema,
	// 206 (and 200 beside another success status) the success body, others (304) none.
	Errors []int
}

// route builds a Route; handlers run in order after the access check.
func route(method, path string, access Access, doc Doc, handlers ...gin.HandlerFunc) Route {
	return Route{Method: method, Path: path, Access: access, Doc: doc, Handlers: handlers}
}

// commonErrors are answered by any route: bad input, missing or refused
// credentials, unknown resources, rate limits and load shedding (429),
// internal errors, and a dependency or the plugins not being ready (503).
var commonErrors = []int{400, 401, 403, 404, 429, 500, 503}

// writeErrors are answered by routes that change state: a request body that
// arrived too slowly (408, see BodyLimits) and conflicts (409).
var writeErrors = []int{408, 409}

var ginParam = regexp.MustCompile(`[:*]([a-zA-Z_]+)`)

// OpenAPIPath turns gin syntax into OpenAPI syntax (/a/:b → /a/{b}).
func OpenAPIPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

// openAPIDocument describes routes as an OpenAPI 3.0 document.
func openAPIDocument(routes []Route) ([]byte, error) {
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		p := OpenAPIPath(rt.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.Method)] = operation(rt)
	}
	return json.Marshal(map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "Keeper API", "version": "1", "description": "Keeper's REST API. Package clients use their own protocols under their format's mount (see GET /api/v1/formats)."},
		"servers": []any{map[string]any{"url": "/api/v1"}},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}, "basic": map[string]any{"type": "http", "scheme": "basic"}},
			"schemas":         allSchemas(),
		},
	})
}

func operation(rt Route) map[string]any {
	op := map[string]any{"tags": []string{rt.Doc.Tag}, "summary": rt.Doc.Summary, "responses": responses(rt),
		"operationId": operationID(rt)}
	var params []any
	for _, m := range ginParam.FindAllStringSubmatch(rt.Path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.Doc.Body != "" {
		op["requestBody"] = map[string]any{"required": true, "content": content(rt.Doc.Body)}
	}
	if rt.Access != Public {
		op["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"basic": []string{}}}
	}
	return op
}

// operationID is unique per method and path: getRepositoriesByKeyArtifactsByPath.
func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, seg := range strings.Split(rt.Path, "/") {
		if seg == "" {
			continue
		}
		if seg[0] == ':' || seg[0] == '*' {
			b.WriteString("By")
			seg = seg[1:]
		}
		for _, part := range strings.FieldsFunc(seg, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func content(schema string) map[string]any {
	switch schema {
	case "binary":
		return map[string]any{"application/octet-stream": map[string]any{"schema": map[string]string{"type": "string", "format": "binary"}}}
	case "xml": // SAML metadata
		return map[string]any{"application/samlmetadata+xml": map[string]any{"schema": map[string]string{"type": "string"}}}
	case "form": // SAML HTTP-POST binding
		return map[string]any{"application/x-www-form-urlencoded": map[string]any{"schema": map[string]any{"type": "object",
			"properties": map[string]any{"SAMLResponse": map[string]string{"type": "string"}, "RelayState": map[string]string{"type": "string"}}}}}
	case "object":
		return map[string]any{"application/json": map[string]any{"schema": map[string]string{"type": "object"}}}
	case "events": // server-sent events
		return map[string]any{"text/event-stream": map[string]any{"schema": map[string]string{"type": "string"}}}
	}
	return map[string]any{"application/json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/" + schema}}}
}

func responses(rt Route) map[string]any {
	ok := map[string]any{"description": http.StatusText(rt.Doc.Status)}
	if rt.Doc.Returns != "" {
		ok["content"] = content(rt.Doc.Returns)
	}
	out := map[string]any{strconv.Itoa(rt.Doc.Status): ok}
	codes := append([]int(nil), commonErrors...)
	if rt.Method != http.MethodGet && rt.Method != http.MethodHead {
		codes = append(codes, writeErrors...)
	}
	if rt.Doc.Body != "" && rt.Doc.Body != "binary" {
		codes = append(codes, http.StatusRequestEntityTooLarge) // JSON and form bodies are bounded (bind.go)
	}
	codes = append(codes, rt.Doc.Errors...)
	sort.Ints(codes)
	for _, code := range codes {
		r := map[string]any{"description": http.StatusText(code)}
		switch {
		case (code == http.StatusPartialContent || code == http.StatusOK) && ok["content"] != nil:
			r["content"] = ok["content"]
		case code >= 400 && rt.Method != http.MethodHead:
			r["content"] = content("Error")
		}
		out[strconv.Itoa(code)] = r
	}
	return out
}

// allSchemas merges the JSON schemas every file of this package declares.
func allSchemas() obj {
	all := obj{}
	for _, s := range []obj{schemas, gcSchemas, identitySchemas, ssoSchemas, pluginSchemas, setupSchemas, remoteSchemas, upstreamTestSchemas, statsSchemas, signingSchemas, searchSchemas, webhookSchemas, backupSchemas, peerSchemas, replicationSchemas, downloadStatsSchemas, historySchemas, securitySchemas, curationSchemas, propertySchemas, promoteSchemas, lifecycleSchemas, importSchemas, settingsSchemas, importFileSchema} {
		maps.Copy(all, s)
	}
	return all
}

// openapi serves the document built once from the registered routes.
func (s *Server) openapi(c *gin.Context) {
	c.Data(http.StatusOK, "application/json; charset=utf-8", s.openAPI)
}

// OpenAPI returns the OpenAPI description of every registered route.
func (s *Server) OpenAPI() []byte { return s.openAPI }
