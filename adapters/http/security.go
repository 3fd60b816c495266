package http

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/scan"
	"github.com/keeper-registry/keeper/ports"
)

// securitySchemas are the bodies of the security API (docs/scanning.md).
var securitySchemas = obj{
	"Finding": object(obj{"id": str(), "aliases": arr(str()), "package": str(), "purl": str(), "installed_version": str(),
		"fixed_version": str(), "severity": obj{"type": "string", "enum": []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"}},
		"title": str(), "sources": arr(str())}, "id", "package", "severity"),
	"SeverityCounts": object(obj{"critical": integer(), "high": integer(), "medium": integer(), "low": integer(), "unknown": integer()}),
	"SecurityReport": object(obj{"repository": str(), "path": str(), "sha256": str(),
		"status":   obj{"type": "string", "enum": []string{ports.ScanPending, ports.ScanRunning, ports.ScanDone, ports.ScanFailed, ports.ScanNotScanned}},
		"scanners": arr(str()),
		"error": obj{"type": "string", "description": "why the scan failed or was not made; while pending, why it waits " +
			"(an image a remote repository cached waits until the blobs its manifest names are cached)"},
		"scanned_at": str(), "db_versions": str(), "findings": arr(ref("Finding")),
		"licenses": arr(ref("PackageLicense")), "acknowledged": arr(ref("Finding")),
		"counts": ref("SeverityCounts"), "score": integer(), "grade": str(),
		"download": object(obj{"allowed": boolean(), "reason": str(), "quarantined": boolean()})}, "status", "findings", "score", "grade"),
	"SecurityReportList": object(obj{"items": arr(ref("SecurityReport")), "truncated": boolean()}, "items"),
	"RepositoryScore": object(obj{"repository": str(), "score": integer(), "grade": str(), "scanned": integer(),
		"not_scanned": integer(), "quarantined": integer(), "open_findings": ref("SeverityCounts")}, "repository", "score", "grade"),
	"SecurityDashboard": object(obj{"queue": obj{"type": "object", "additionalProperties": integer()},
		"repositories": arr(ref("RepositoryScore")), "open_findings": ref("SeverityCounts"), "truncated": boolean()}, "repositories"),
	"ScanPolicy": object(obj{"enabled": boolean(),
		"block_severity":  obj{"type": "string", "enum": []string{"", "CRITICAL", "HIGH", "MEDIUM", "LOW"}},
		"block_unscanned": boolean(), "quarantine": boolean(), "deny_licenses": arr(str()), "quality_gate": str(), "updated_at": str()}),
	"QualityGate": object(obj{"name": str(), "min_grade": obj{"type": "string", "enum": []string{"", "A", "B", "C", "D", "F"}},
		"max_critical": integer(), "max_high": integer(), "deny_licenses": arr(str()), "require_signature": boolean(), "updated_at": str()}),
	"QualityGateList": object(obj{"items": arr(ref("QualityGate"))}, "items"),
	"GateEvaluation": object(obj{"gate": str(), "repository": str(), "path": str(), "pass": boolean(), "reasons": arr(str()),
		"grade": str(), "counts": ref("SeverityCounts")}, "gate", "pass", "reasons"),
	"PackageLicense": object(obj{"package": str(), "license": str(), "category": str()}, "package", "license"),
	"ScanAck": object(obj{"id": integer(), "repository": str(), "vulnerability_id": str(), "reason": str(),
		"created_by": str(), "created_at": str(), "expires_at": str()}, "vulnerability_id", "reason", "expires_at"),
	"ScanAckList":    object(obj{"items": arr(ref("ScanAck"))}, "items"),
	"ScanQueued":     object(obj{"queued": boolean(), "status": str()}, "queued"),
	"QuarantineBody": object(obj{"repository": str(), "path": str()}, "repository", "path"),
}

// SecurityRoutes are the security API: scan reports, findings, scores,
// policies, acknowledgements and the quarantine queue (administrators
// only); the wiring adds them to the fx group "routes".
func SecurityRoutes(svc *scan.Service) []Route {
	const get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	h := securityHandlers{svc: svc}
	return []Route{
		route(get, "/security/dashboard", Admin, Doc{"security", "Scan queue by status, open findings, and each repository's score and grade", "", "SecurityDashboard", 200, nil}, h.dashboard),
		route(get, "/security/scans", Admin, Doc{"security", "Every queued or scanned artifact's report (repository = one repository)", "", "SecurityReportList", 200, nil}, h.scans),
		route(get, "/security/findings", Admin, Doc{"security", "One artifact's report with its findings (repository and path required)", "", "SecurityReport", 200, nil}, h.findings),
		route(get, "/security/scores", Admin, Doc{"security", "Each repository's score (mean of its artifacts' 100 − (25·critical + 10·high + 3·medium + low)) and grade A–F", "", "SecurityDashboard", 200, nil}, h.dashboard),
		route(get, "/security/policies", Admin, Doc{"security", "The global scan policy", "", "ScanPolicy", 200, nil}, h.getPolicy),
		route(put, "/security/policies", Admin, Doc{"security", "Set the global scan policy (it combines with each repository's: the stricter wins)", "ScanPolicy", "ScanPolicy", 200, nil}, h.putPolicy),
		route(get, "/security/policies/:key", Admin, Doc{"security", "A repository's own scan policy", "", "ScanPolicy", 200, nil}, h.getPolicy),
		route(put, "/security/policies/:key", Admin, Doc{"security", "Set a repository's scan policy: enabled (scan its uploads), block_severity, block_unscanned, quarantine, deny_licenses (SPDX ids)", "ScanPolicy", "ScanPolicy", 200, nil}, h.putPolicy),
		route(get, "/security/acknowledgements", Admin, Doc{"security", "Unexpired acknowledgements of findings", "", "ScanAckList", 200, nil}, h.acks),
		route(post, "/security/acknowledgements", Admin, Doc{"security", "Acknowledge a vulnerability (in one repository, or everywhere without one) with a reason until expires_at (at most a year)", "ScanAck", "ScanAck", 201, nil}, h.addAck),
		route(del, "/security/acknowledgements/:id", Admin, Doc{"security", "Remove an acknowledgement", "", "", 204, nil}, h.deleteAck),
		route(post, "/repositories/:key/artifacts/*path", Admin, Doc{"security", "POST …/{path}/security/scan or …/security/rescan: queue the artifact's content to be scanned (again)", "", "ScanQueued", 202, nil}, h.scanArtifact),
		route(get, "/security/sbom", Admin, Doc{"security", "One artifact's packages with their licenses as a CycloneDX JSON document, or SPDX JSON with format=spdx (repository and path required; made on demand by the scanner)", "", "object", 200, nil}, h.sbom),
		route(get, "/quality/gates", Admin, Doc{"security", "Quality gates: named rules (min_grade, max_critical, max_high, deny_licenses, require_signature)", "", "QualityGateList", 200, nil}, h.gates),
		route(get, "/quality/gates/:name", Admin, Doc{"security", "One quality gate", "", "QualityGate", 200, nil}, h.gate),
		route(put, "/quality/gates/:name", Admin, Doc{"security", "Create or replace a quality gate; a policy's quality_gate attaches it to downloads", "QualityGate", "QualityGate", 200, nil}, h.putGate),
		route(del, "/quality/gates/:name", Admin, Doc{"security", "Remove a quality gate (409 while a policy uses it)", "", "", 204, nil}, h.deleteGate),
		route(post, "/quality/gates/evaluate/:name", Admin, Doc{"security", "Evaluate a quality gate on one artifact: pass or fail with the reasons", "QuarantineBody", "GateEvaluation", 200, nil}, h.evaluateGate),
		route(get, "/quarantine", Admin, Doc{"security", "Artifacts held by quarantine", "", "SecurityReportList", 200, nil}, h.quarantine),
		route(post, "/quarantine/release", Admin, Doc{"security", "Release an artifact (its current content) from quarantine", "QuarantineBody", "SecurityReport", 200, nil}, h.release),
	}
}

type securityHandlers struct{ svc *scan.Service }

func (h securityHandlers) dashboard(c *gin.Context) {
	d, err := h.svc.Overview(c.Request.Context(), c.Query("repository"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (h securityHandlers) list(c *gin.Context, keep func(scan.Report) bool) {
	items := []scan.Report{}
	truncated, err := h.svc.Walk(c.Request.Context(), c.Query("repository"), func(r scan.Report) error {
		if keep(r) {
			items = append(items, r)
		}
		return nil
	})
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "truncated": truncated})
}

func (h securityHandlers) scans(c *gin.Context) {
	status := c.Query("status")
	h.list(c, func(r scan.Report) bool { return status == "" || r.Status == status })
}

func (h securityHandlers) quarantine(c *gin.Context) {
	h.list(c, func(r scan.Report) bool { return r.Download.Quarantined })
}

func (h securityHandlers) findings(c *gin.Context) {
	repo, path := c.Query("repository"), c.Query("path")
	if repo == "" || path == "" {
		Fail(c, http.StatusBadRequest, "invalid", "repository and path are required")
		return
	}
	r, err := h.svc.Artifact(c.Request.Context(), repo, path)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (h securityHandlers) sbom(c *gin.Context) {
	repo, path := c.Query("repository"), c.Query("path")
	if repo == "" || path == "" {
		Fail(c, http.StatusBadRequest, "invalid", "repository and path are required")
		return
	}
	format := c.DefaultQuery("format", ports.SBOMCycloneDX)
	doc, err := h.svc.SBOM(c.Request.Context(), repo, path, format)
	if errors.Is(err, scan.ErrNoSBOM) {
		Fail(c, http.StatusNotFound, "not_found", err.Error())
		return
	}
	if err != nil {
		WriteError(c, err)
		return
	}
	if format == ports.SBOMSPDX {
		// SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/conformance/).
		c.Header("Content-Disposition", AttachmentHeader(path+".spdx.json"))
		c.Data(http.StatusOK, "application/spdx+json", doc)
		return
	}
	c.Header("Content-Disposition", AttachmentHeader(path+".cdx.json"))
	c.Data(http.StatusOK, "application/vnd.cyclonedx+json", doc)
}

func (h securityHandlers) getPolicy(c *gin.Context) {
	p, err := h.svc.GetPolicy(c.Request.Context(), c.Param("key"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (h securityHandlers) putPolicy(c *gin.Context) {
	var body struct {
		Enabled        *bool    `json:"enabled"`
		BlockSeverity  string   `json:"block_severity"`
		BlockUnscanned bool     `json:"block_unscanned"`
		Quarantine     bool     `json:"quarantine"`
		DenyLicenses   []string `json:"deny_licenses"`
		Gate           string   `json:"quality_gate"`
		UpdatedAt      string   `json:"updated_at"`
	}
	if !bindJSON(c, &body) {
		return
	}
	p := ports.ScanPolicy{Enabled: body.Enabled == nil || *body.Enabled, BlockSeverity: strings.ToUpper(body.BlockSeverity),
		BlockUnscanned: body.BlockUnscanned, Quarantine: body.Quarantine, DenyLicenses: body.DenyLicenses, Gate: body.Gate}
	p, err := h.svc.SetPolicy(c.Request.Context(), subject(c), c.Param("key"), p)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (h securityHandlers) acks(c *gin.Context) {
	a, err := h.svc.Acks(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": a})
}

func (h securityHandlers) addAck(c *gin.Context) {
	var body struct {
		ID         int64     `json:"id"`
		Repository string    `json:"repository"`
		VulnID     string    `json:"vulnerability_id"`
		Reason     string    `json:"reason"`
		CreatedBy  string    `json:"created_by"`
		CreatedAt  string    `json:"created_at"`
		ExpiresAt  time.Time `json:"expires_at"`
	}
	if !bindJSON(c, &body) {
		return
	}
	a, err := h.svc.Acknowledge(c.Request.Context(), subject(c), body.Repository, body.VulnID, body.Reason, body.ExpiresAt)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusCreated, a)
}

func (h securityHandlers) deleteAck(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		Fail(c, http.StatusNotFound, "not_found", "no such acknowledgement")
		return
	}
	if err := h.svc.Unacknowledge(c.Request.Context(), subject(c), id); err != nil {
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// scanArtifact answers POST /repositories/{key}/artifacts/{path}/security/scan
// (and …/rescan): the artifacts routes end in a wildcard, so the action is
// the path's last two segments.
func (h securityHandlers) scanArtifact(c *gin.Context) {
	p := wildcard(c, "path")
	var path string
	for _, suffix := range []string{"/security/scan", "/security/rescan"} {
		if strings.HasSuffix(p, suffix) {
			path = strings.TrimSuffix(p, suffix)
		}
	}
	if path == "" {
		Fail(c, http.StatusNotFound, "not_found", "no such route: POST …/security/scan or …/security/rescan")
		return
	}
	ctx := c.Request.Context()
	key := c.Param("key")
	if err := h.svc.Rescan(ctx, subject(c), key, path); err != nil {
		WriteError(c, err)
		return
	}
	r, err := h.svc.Artifact(ctx, key, path)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"queued": true, "status": r.Status})
}

func (h securityHandlers) release(c *gin.Context) {
	var body struct {
		Repository string `json:"repository"`
		Path       string `json:"path"`
	}
	if !bindJSON(c, &body) {
		return
	}
	ctx := c.Request.Context()
	if err := h.svc.Release(ctx, subject(c), body.Repository, body.Path); err != nil {
		WriteError(c, err)
		return
	}
	r, err := h.svc.Artifact(ctx, body.Repository, body.Path)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (h securityHandlers) gates(c *gin.Context) {
	gs, err := h.svc.Gates(c.Request.Context())
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": gs})
}

func (h securityHandlers) gate(c *gin.Context) {
	g, err := h.svc.Gate(c.Request.Context(), c.Param("name"))
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, g)
}

func (h securityHandlers) putGate(c *gin.Context) {
	var body struct {
		Name         string   `json:"name"`
		MinGrade     string   `json:"min_grade"`
		MaxCritical  *int     `json:"max_critical"`
		MaxHigh      *int     `json:"max_high"`
		DenyLicenses []string `json:"deny_licenses"`
		RequireSig   bool     `json:"require_signature"`
		UpdatedAt    string   `json:"updated_at"`
	}
	if !bindJSON(c, &body) {
		return
	}
	name := c.Param("name")
	if body.Name != "" && body.Name != name {
		Fail(c, http.StatusBadRequest, "invalid", "name: the body names another gate than the path")
		return
	}
	g, err := h.svc.PutGate(c.Request.Context(), subject(c), ports.QualityGate{Name: name, MinGrade: strings.ToUpper(body.MinGrade),
		MaxCritical: body.MaxCritical, MaxHigh: body.MaxHigh, DenyLicenses: body.DenyLicenses, RequireSignature: body.RequireSig})
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, g)
}

func (h securityHandlers) deleteGate(c *gin.Context) {
	if err := h.svc.DeleteGate(c.Request.Context(), subject(c), c.Param("name")); err != nil {
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h securityHandlers) evaluateGate(c *gin.Context) {
	var body struct {
		Repository string `json:"repository"`
		Path       string `json:"path"`
	}
	if !bindJSON(c, &body) {
		return
	}
	if body.Repository == "" || body.Path == "" {
		Fail(c, http.StatusBadRequest, "invalid", "repository and path are required")
		return
	}
	r, err := h.svc.Evaluate(c.Request.Context(), c.Param("name"), body.Repository, body.Path)
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}
