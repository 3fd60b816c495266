package http

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/promote"
	"github.com/keeper-registry/keeper/ports"
)

// promoteSchemas are the bodies of the promotion API (docs/promotion.md).
var promoteSchemas = obj{
	"PromoteRequest": object(obj{"from": str(), "to": str(), "package": str(), "version": str(),
		"paths":   arr(str()),
		"move":    obj{"type": "boolean", "description": "delete from the source after copying (needs delete rights there)"},
		"require": obj{"type": "array", "items": str(), "description": "property conditions key:value (or key) the artifacts must meet"},
		"dry_run": boolean()}, "from", "to"),
	"PromoteResult": object(obj{"from": str(), "to": str(), "move": boolean(), "dry_run": boolean(),
		"files": arr(str()), "versions": arr(str()), "bytes": integer()}, "from", "to", "files", "versions"),
}

// promoteRoutes are the promotion API: readers of the source (deleters,
// for a move) who write to the target may promote.
func (s *Server) promoteRoutes() []Route {
	return []Route{
		route(http.MethodPost, "/promote", User, Doc{"promotion", "Copy or move a package version (or paths) from one local or staging repository " +
			"to another of the same format: blobs are shared, versions and properties come along, the target's indexes update as after an upload; " +
			"409 when the target already has a path or version, when an artifact fails a require condition, " +
			"or when the quality gate of the target's scan policy fails an artifact (the message lists the gate's reasons per file; dry runs too)", "PromoteRequest", "PromoteResult", 200, nil}, s.promote),
	}
}

type promoteBody struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	Package string   `json:"package"`
	Version string   `json:"version"`
	Paths   []string `json:"paths"`
	Move    bool     `json:"move"`
	Require []string `json:"require"`
	DryRun  bool     `json:"dry_run"`
}

func (s *Server) promote(c *gin.Context) {
	if s.d.Promote == nil {
		Fail(c, http.StatusServiceUnavailable, "unavailable", "promotion is not configured")
		return
	}
	var b promoteBody
	if !bindJSON(c, &b) {
		return
	}
	if b.From == "" || b.To == "" {
		Fail(c, http.StatusBadRequest, "invalid", "from and to: name the source and target repositories")
		return
	}
	srcAction := ports.ActionRead
	if b.Move {
		srcAction = ports.ActionDelete
	}
	from, ok := s.repoByKey(c, b.From, srcAction)
	if !ok {
		return
	}
	to, ok := s.repoByKey(c, b.To, ports.ActionWrite)
	if !ok {
		return
	}
	res, err := s.d.Promote.Promote(c.Request.Context(), from, to, promote.Request{Package: b.Package, Version: b.Version,
		Paths: b.Paths, Move: b.Move, Require: b.Require, DryRun: b.DryRun, By: subject(c)})
	if err != nil {
		WriteError(c, err)
		return
	}
	if !b.DryRun {
		audited(c, "artifact.promote", from.Key+" -> "+to.Key, fmt.Sprintf("move=%t versions=%s files=%d bytes=%d require=%s",
			b.Move, strings.Join(res.Versions, ","), len(res.Files), res.Bytes, strings.Join(b.Require, ",")))
	}
	c.JSON(http.StatusOK, res)
}
