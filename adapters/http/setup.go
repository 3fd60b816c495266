package http

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/ports"
)

// setupSchemas are the bodies of the set-up route.
var setupSchemas = obj{
	"SetupSnippet":    object(obj{"kind": str(), "client": str(), "target": str(), "text": str()}),
	"RepositorySetup": object(obj{"repository": str(), "format": str(), "url": str(), "snippets": arr(ref("SetupSnippet"))}),
}

// FormatInfo returns what the active plugin of a format declared in describe
// (plugin.Manager.FormatInfo); false when no active plugin serves it.
type FormatInfo func(format string) (ports.FormatInfo, bool)

// setupJSON is the answer of GET /repositories/{key}/setup.
type setupJSON struct {
	Repository string               `json:"repository"`
	Format     string               `json:"format"`
	URL        string               `json:"url"`
	Snippets   []ports.SetupSnippet `json:"snippets"`
}

// tokenPlaceholder stands for the caller's API token: the page never shows one.
const tokenPlaceholder = "<TOKEN>"

// setupRoutes serve the client set-up snippets of a repository's format.
func (s *Server) setupRoutes() []Route {
	return []Route{route(http.MethodGet, "/repositories/:key/setup", Public, Doc{"repositories",
		"Client set-up snippets for the repository, from its format plugin (the token stays a placeholder)", "", "RepositorySetup", 200, nil},
		s.setup)}
}

func (s *Server) setup(c *gin.Context) {
	r, ok := s.repo(c, ports.ActionRead)
	if !ok {
		return
	}
	var info ports.FormatInfo
	if s.d.FormatInfo != nil {
		info, ok = s.d.FormatInfo(r.Format)
	}
	if !ok || len(info.Mounts) == 0 {
		Fail(c, http.StatusNotFound, "not_found", "no active plugin serves the format "+r.Format)
		return
	}
	base := requestBaseURL(c, s.d.BaseURL)
	repoURL := base + strings.TrimSuffix(info.Mounts[0].Prefix, "/") + "/" + url.PathEscape(r.Key)
	user := "<USER>"
	if sub := subject(c); !sub.Anonymous && sub.Username != "" {
		user = sub.Username
	}
	host := strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	fill := strings.NewReplacer("{base-url}", base, "{host}", host, "{repo-url}", repoURL, "{repo}", r.Key,
		"{user}", user, "{token}", tokenPlaceholder)
	out := setupJSON{Repository: r.Key, Format: r.Format, URL: repoURL, Snippets: []ports.SetupSnippet{}}
	for _, sn := range info.Setup {
		sn.Text, sn.Target = fill.Replace(sn.Text), fill.Replace(sn.Target)
		out.Snippets = append(out.Snippets, sn)
	}
	c.JSON(http.StatusOK, out)
}
