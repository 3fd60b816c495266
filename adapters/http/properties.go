package http

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/properties"
	"github.com/keeper-registry/keeper/ports"
)

// propertySchemas are the bodies of the properties API (docs/properties.md).
var propertySchemas = obj{
	"Properties": obj{"type": "object", "additionalProperties": arr(str()),
		"description": "key → values (Artifactory-style multi-valued properties)"},
	"PropertyDocument": object(obj{"properties": ref("Properties")}, "properties"),
	"PropertyChange":   object(obj{"set": ref("Properties"), "remove": arr(str())}),
	"PropertySearchResult": object(obj{"items": arr(object(obj{"repository": str(), "format": str(), "path": str(),
		"properties": ref("Properties")}, "repository", "path", "properties")), "next": str()}, "items"),
}

// propertyRoutes are the properties API: readers of a repository read its
// and its artifacts' properties, writers change them.
func (s *Server) propertyRoutes() []Route {
	const get, patch = http.MethodGet, http.MethodPatch
	return []Route{
		route(get, "/repositories/:key/properties", Public, Doc{"properties", "A repository's properties", "", "PropertyDocument", 200, nil}, s.repoProperties),
		route(patch, "/repositories/:key/properties", User, Doc{"properties", "Change a repository's properties (writers of the repository): set replaces the values of the keys it names, remove drops keys", "PropertyChange", "PropertyDocument", 200, nil}, s.changeRepoProperties),
		route(get, "/repositories/:key/properties/*path", Public, Doc{"properties", "An artifact's properties", "", "PropertyDocument", 200, nil}, s.artifactProperties),
		route(patch, "/repositories/:key/properties/*path", User, Doc{"properties", "Change an artifact's properties (writers of the repository): set replaces the values of the keys it names, remove drops keys", "PropertyChange", "PropertyDocument", 200, nil}, s.changeArtifactProperties),
		route(get, "/search/properties", Public, Doc{"search", "Find artifacts by properties in every repository the caller may read: " +
			"property=key:value (repeatable; values of one key are alternatives, different keys must all match; property=key matches any value), " +
			"repository (one key), after (the next of the previous page), limit (1-500)", "", "PropertySearchResult", 200, nil}, s.searchProperties),
	}
}

func (s *Server) propertiesReady(c *gin.Context) bool {
	if s.d.Properties == nil {
		Fail(c, http.StatusServiceUnavailable, "unavailable", "properties are not configured")
		return false
	}
	return true
}

type propertyChangeBody struct {
	Set    ports.Properties `json:"set"`
	Remove []string         `json:"remove"`
}

func (b propertyChangeBody) change() ports.PropertyChange {
	return ports.PropertyChange{Set: b.Set, Remove: b.Remove}
}

// detail names the keys a change touched, for the audit log.
func (b propertyChangeBody) detail() string {
	set := make([]string, 0, len(b.Set))
	for k := range b.Set {
		set = append(set, k)
	}
	slices.Sort(set)
	return "set=" + strings.Join(set, ",") + " remove=" + strings.Join(b.Remove, ",")
}

func propertyDocument(p ports.Properties) gin.H {
	if p == nil {
		p = ports.Properties{}
	}
	return gin.H{"properties": p}
}

func (s *Server) repoProperties(c *gin.Context) {
	r, ok := s.repo(c, ports.ActionRead)
	if !ok || !s.propertiesReady(c) {
		return
	}
	p, err := s.d.Properties.Repository(c.Request.Context(), r)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, propertyDocument(p))
}

func (s *Server) changeRepoProperties(c *gin.Context) {
	r, ok := s.repo(c, ports.ActionWrite)
	if !ok || !s.propertiesReady(c) {
		return
	}
	var b propertyChangeBody
	if !bindJSON(c, &b) {
		return
	}
	p, err := s.d.Properties.ChangeRepository(c.Request.Context(), r, b.change())
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "repository.properties", r.Key, b.detail())
	c.JSON(http.StatusOK, propertyDocument(p))
}

func (s *Server) artifactProperties(c *gin.Context) {
	r, ok := s.repo(c, ports.ActionRead)
	if !ok || !s.propertiesReady(c) {
		return
	}
	p, err := s.d.Properties.Artifact(c.Request.Context(), r, wildcard(c, "path"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, propertyDocument(p))
}

func (s *Server) changeArtifactProperties(c *gin.Context) {
	r, ok := s.repo(c, ports.ActionWrite)
	if !ok || !s.propertiesReady(c) {
		return
	}
	var b propertyChangeBody
	if !bindJSON(c, &b) {
		return
	}
	path := wildcard(c, "path")
	p, err := s.d.Properties.ChangeArtifact(c.Request.Context(), r, path, b.change())
	if err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "artifact.properties", r.Key+"/"+path, b.detail())
	c.JSON(http.StatusOK, propertyDocument(p))
}

func (s *Server) searchProperties(c *gin.Context) {
	if !s.propertiesReady(c) {
		return
	}
	q := properties.Query{Conditions: c.QueryArray("property"), Repository: c.Query("repository"), After: c.Query("after")}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > properties.MaxLimit {
			Fail(c, http.StatusBadRequest, "invalid", "limit: a whole number from 1 to "+strconv.Itoa(properties.MaxLimit))
			return
		}
		q.Limit = n
	}
	res, err := s.d.Properties.Search(c.Request.Context(), subject(c), q)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}
