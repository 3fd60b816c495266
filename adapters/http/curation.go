package http

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/curation"
	"github.com/keeper-registry/keeper/ports"
)

// curationSchemas are the bodies of the curation API (docs/curation.md).
var curationSchemas = obj{
	"CurationRules": object(obj{"block": arr(str()), "allow": arr(str()), "deny_licenses": arr(str()),
		"min_age_seconds": integer(), "max_severity": obj{"type": "string", "enum": []string{"", "CRITICAL", "HIGH", "MEDIUM", "LOW"}},
		"malicious": boolean(), "updated_at": str()}),
	"MaliciousPackage": object(obj{"id": integer(), "name": str(), "versions": arr(str()), "reason": str(), "source": str(),
		"added_by": str(), "added_at": str()}, "name"),
	"MaliciousPackageList": object(obj{"items": arr(ref("MaliciousPackage"))}, "items"),
	"MaliciousImport": obj{"description": "A JSON array of {name, versions, reason} (no versions: every version) or of OSV records " +
		"({id, summary, affected: [{package: {name}, versions}]}), or one OSV record"},
	"CurationBlock": object(obj{"id": integer(), "repository": str(), "path": str(), "package": str(), "version": str(),
		"rule":   obj{"type": "string", "enum": []string{curation.RuleBlock, curation.RuleMalicious, curation.RuleLicense, curation.RuleMinAge, curation.RuleSeverity}},
		"reason": str(), "at": str()}, "id", "repository", "path", "rule", "reason", "at"),
	"CurationBlockList": object(obj{"items": arr(ref("CurationBlock")), "next_before": integer()}, "items"),
}

// maxMaliciousImport caps an imported malicious list.
const maxMaliciousImport = 16 << 20

// CurationRoutes are the curation API of remote repositories
// (administrators only; changes are audited by the service).
func CurationRoutes(svc *curation.Service) []Route {
	const get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	h := curationHandlers{svc: svc}
	return []Route{
		route(get, "/curation/rules", Admin, Doc{"curation", "The global curation rules of remote repositories", "", "CurationRules", 200, nil}, h.getRules),
		route(put, "/curation/rules", Admin, Doc{"curation", "Set the global curation rules: block and allow (name[@version] globs), deny_licenses, min_age_seconds, max_severity, malicious", "CurationRules", "CurationRules", 200, nil}, h.putRules),
		route(get, "/curation/rules/:key", Admin, Doc{"curation", "A remote repository's own curation rules", "", "CurationRules", 200, nil}, h.getRules),
		route(put, "/curation/rules/:key", Admin, Doc{"curation", "Set a repository's curation rules (they apply with the global ones; an allow entry of either passes every rule)", "CurationRules", "CurationRules", 200, nil}, h.putRules),
		route(get, "/curation/malicious", Admin, Doc{"curation", "The known-malicious list", "", "MaliciousPackageList", 200, nil}, h.malicious),
		route(post, "/curation/malicious", Admin, Doc{"curation", "Add or replace entries of the known-malicious list (source=… names where they come from)", "MaliciousImport", "MaliciousPackageList", 200, nil}, h.addMalicious),
		route(del, "/curation/malicious/:id", Admin, Doc{"curation", "Remove an entry of the known-malicious list", "", "", 204, nil}, h.deleteMalicious),
		route(get, "/curation/blocks", Admin, Doc{"curation", "What curation refused, newest first (repository, before = an id for the next page, limit ≤ 1000)", "", "CurationBlockList", 200, nil}, h.blocks),
	}
}

type curationHandlers struct{ svc *curation.Service }

func (h curationHandlers) getRules(c *gin.Context) {
	r, err := h.svc.Rules(c.Request.Context(), c.Param("key"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (h curationHandlers) putRules(c *gin.Context) {
	var r ports.CurationRules
	if !bindJSON(c, &r) {
		return
	}
	out, err := h.svc.SetRules(c.Request.Context(), subject(c), c.Param("key"), r)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (h curationHandlers) malicious(c *gin.Context) {
	l, err := h.svc.Malicious(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": l})
}

func (h curationHandlers) addMalicious(c *gin.Context) {
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxMaliciousImport))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			Fail(c, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body exceeds %d bytes", maxMaliciousImport))
			return
		}
		Fail(c, http.StatusBadRequest, "invalid", "unreadable request body")
		return
	}
	source := c.Query("source")
	if source == "" {
		source = "api"
	}
	entries, err := curation.ParseList(data, source)
	if err != nil {
		WriteError(c, err)
		return
	}
	out, err := h.svc.AddMalicious(c.Request.Context(), subject(c), entries)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (h curationHandlers) deleteMalicious(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		Fail(c, http.StatusNotFound, "not_found", "no such entry")
		return
	}
	if err := h.svc.DeleteMalicious(c.Request.Context(), subject(c), id); err != nil {
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h curationHandlers) blocks(c *gin.Context) {
	before, err1 := strconv.ParseInt(c.DefaultQuery("before", "0"), 10, 64)
	limit, err2 := strconv.Atoi(c.DefaultQuery("limit", "100"))
	if err1 != nil || err2 != nil || before < 0 || limit < 1 || limit > curation.MaxBlocksListed {
		Fail(c, http.StatusBadRequest, "invalid", "before must be an id and limit 1 to 1000")
		return
	}
	items, err := h.svc.Blocks(c.Request.Context(), c.Query("repository"), before, limit)
	if err != nil {
		WriteError(c, err)
		return
	}
	resp := gin.H{"items": items}
	if len(items) == limit {
		resp["next_before"] = items[len(items)-1].ID
	}
	c.JSON(http.StatusOK, resp)
}
