package http

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// Operation documents one API route for the OpenAPI description. Every
// /api/v1 route must have one (a test enforces it).
type Operation struct {
	Method  string
	Path    string // gin syntax: /repositories/:key/artifacts/*path
	Tag     string
	Summary string
	// Body names a schema in schemas (request JSON), or "binary" for raw bytes.
	Body string
	// Returns names a schema for the success response, "binary", or "" for no body.
	Returns string
	Status  int
	Public  bool // readable without credentials (subject to repository visibility)
}

var (
	opsMu sync.Mutex
	ops   = []Operation{
		{"GET", "/openapi.json", "meta", "This OpenAPI description", "", "object", 200, true},
		{"POST", "/auth/login", "auth", "Log in with username and password", "Login", "Session", 200, true},
		{"POST", "/auth/refresh", "auth", "Exchange a refresh token for a new session", "Refresh", "Session", 200, true},
		{"GET", "/users/me", "auth", "The signed-in user", "", "Me", 200, false},
		{"POST", "/users/me/tokens", "auth", "Mint an API token (shown once)", "TokenRequest", "Token", 201, false},
		{"GET", "/repositories", "repositories", "List repositories (filters: format, type; offset/limit or page/per_page)", "", "RepositoryList", 200, true},
		{"POST", "/repositories", "repositories", "Create a repository", "RepositoryCreate", "Repository", 201, false},
		{"GET", "/repositories/:key", "repositories", "Get a repository", "", "Repository", 200, true},
		{"PATCH", "/repositories/:key", "repositories", "Change a repository", "RepositoryPatch", "Repository", 200, false},
		{"DELETE", "/repositories/:key", "repositories", "Delete a repository and its contents", "", "", 204, false},
		{"GET", "/repositories/:key/members", "repositories", "List the members of a virtual repository", "", "MemberList", 200, true},
		{"POST", "/repositories/:key/members", "repositories", "Add or re-prioritise one member", "Member", "MemberList", 200, false},
		{"PUT", "/repositories/:key/members", "repositories", "Replace all members", "Members", "MemberList", 200, false},
		{"GET", "/repositories/:key/artifacts", "artifacts", "List artifacts (prefix, after, limit)", "", "ArtifactList", 200, true},
		{"GET", "/repositories/:key/artifacts/*path", "artifacts", "Artifact metadata", "", "Artifact", 200, true},
		{"PUT", "/repositories/:key/artifacts/*path", "artifacts", "Upload an artifact (streamed; X-Checksum-Sha256/Sha1/Md5 verified)", "binary", "Artifact", 201, false},
		{"DELETE", "/repositories/:key/artifacts/*path", "artifacts", "Delete an artifact", "", "", 204, false},
		{"GET", "/repositories/:key/download/*path", "artifacts", "Download an artifact (Range, ETag, If-None-Match)", "", "binary", 200, true},
		{"HEAD", "/repositories/:key/download/*path", "artifacts", "Artifact headers", "", "", 200, true},
		{"POST", "/uploads", "uploads", "Start a resumable upload", "UploadStart", "Upload", 201, false},
		{"GET", "/uploads/:id", "uploads", "Upload status (offset so far)", "", "Upload", 200, false},
		{"PATCH", "/uploads/:id", "uploads", "Send a chunk (Content-Range: bytes START-END/TOTAL)", "binary", "Upload", 200, false},
		{"PUT", "/uploads/:id/complete", "uploads", "Finish: verify size and sha256, store the artifact", "", "Artifact", 201, false},
		{"DELETE", "/uploads/:id", "uploads", "Cancel an upload", "", "", 204, false},
	}
)

// Document adds operations to the OpenAPI description (for routes other
// packages mount).
func Document(o ...Operation) {
	opsMu.Lock()
	defer opsMu.Unlock()
	ops = append(ops, o...)
}

// Operations returns the documented operations.
func Operations() []Operation {
	opsMu.Lock()
	defer opsMu.Unlock()
	return append([]Operation(nil), ops...)
}

var ginParam = regexp.MustCompile(`[:*]([a-zA-Z_]+)`)

// OpenAPIPath turns gin syntax into OpenAPI syntax (/a/:b → /a/{b}).
func OpenAPIPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

func (s *Server) openapi(c *gin.Context) {
	paths := map[string]map[string]any{}
	for _, o := range Operations() {
		p := OpenAPIPath(o.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := map[string]any{"tags": []string{o.Tag}, "summary": o.Summary, "responses": responses(o)}
		var params []any
		for _, m := range ginParam.FindAllStringSubmatch(o.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if o.Body != "" {
			op["requestBody"] = map[string]any{"required": true, "content": content(o.Body)}
		}
		if !o.Public {
			op["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"basic": []string{}}}
		}
		paths[p][strings.ToLower(o.Method)] = op
	}
	c.JSON(http.StatusOK, gin.H{
		"openapi": "3.0.3",
		"info":    gin.H{"title": "Keeper API", "version": "1", "description": "Keeper's REST API. Package clients use their own protocols under their format's mount (see GET /api/v1/formats)."},
		"servers": []any{gin.H{"url": "/api/v1"}},
		"paths":   paths,
		"components": gin.H{
			"securitySchemes": gin.H{"bearer": gin.H{"type": "http", "scheme": "bearer"}, "basic": gin.H{"type": "http", "scheme": "basic"}},
			"schemas":         schemas,
		},
	})
}

func content(schema string) map[string]any {
	if schema == "binary" {
		return map[string]any{"application/octet-stream": map[string]any{"schema": map[string]string{"type": "string", "format": "binary"}}}
	}
	if schema == "xml" { // SAML metadata
		return map[string]any{"application/samlmetadata+xml": map[string]any{"schema": map[string]string{"type": "string"}}}
	}
	if schema == "form" { // SAML HTTP-POST binding
		return map[string]any{"application/x-www-form-urlencoded": map[string]any{"schema": map[string]any{"type": "object",
			"properties": map[string]any{"SAMLResponse": map[string]string{"type": "string"}, "RelayState": map[string]string{"type": "string"}}}}}
	}
	if schema == "object" {
		return map[string]any{"application/json": map[string]any{"schema": map[string]string{"type": "object"}}}
	}
	return map[string]any{"application/json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/" + schema}}}
}

func responses(o Operation) map[string]any {
	ok := map[string]any{"description": http.StatusText(o.Status)}
	if o.Returns != "" {
		ok["content"] = content(o.Returns)
	}
	errResp := map[string]any{"description": "error", "content": content("Error")}
	return map[string]any{strconv.Itoa(o.Status): ok, "400": errResp, "401": errResp, "403": errResp, "404": errResp}
}
