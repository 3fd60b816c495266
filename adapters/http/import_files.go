package http

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/importer"
	"github.com/keeper-registry/keeper/ports"
)

// ImportFiles deploys one file of an export directory that the CLI reads
// (keeper import artifactory --from) exactly as a live import deploys a
// downloaded one: plain files through the artifacts service, formats with
// their own protocol through their mount as the caller (docs/import.md).
type ImportFiles interface {
	DeployFile(ctx context.Context, by ports.Subject, repo, path string, body io.Reader, sums importer.Checksums) error
}

// importFileSchema is the answer of a deployed file.
var importFileSchema = obj{"ImportFile": object(obj{"outcome": obj{"type": "string", "enum": []string{importer.Imported, importer.Skipped}},
	"reason": str()}, "outcome")}

// ImportFileRoutes is the per-file import route (administrators only).
func ImportFileRoutes(svc ImportFiles) []Route {
	return []Route{
		route(http.MethodPut, "/admin/imports/files/:key/*path", Admin, Doc{"admin", "Import one file of an export directory into the repository, " +
			"verified against X-Checksum-Sha256/-Sha1/-Md5 when given (422 checksum_mismatch otherwise, nothing stored): a format with its own protocol " +
			"gets it through its mount (deploy by path, below KEY/-/deploy/ on a root mount), " +
			"as the caller; 201 imported, 200 skipped with the reason (stored already, or not a file the format takes), 422 refused with the plugin's answer, " +
			"424 pending: the plugin needs another file of the repository first (send it again after the others)",
			"binary", "ImportFile", 201, []int{200, 422, 424}}, importFileHandler(svc)),
	}
}

func importFileHandler(svc ImportFiles) gin.HandlerFunc {
	return func(c *gin.Context) {
		key, p := c.Param("key"), wildcard(c, "path")
		sums := importer.Checksums{SHA256: c.GetHeader("X-Checksum-Sha256"), SHA1: c.GetHeader("X-Checksum-Sha1"), MD5: c.GetHeader("X-Checksum-Md5")}
		err := svc.DeployFile(c.Request.Context(), subject(c), key, p, c.Request.Body, sums)
		var se *importer.SkipError
		var ce *ports.ConflictError
		var re *importer.RefusedError
		switch {
		case err == nil:
			audited(c, "import.file", key+"/"+p, "")
			c.JSON(http.StatusCreated, gin.H{"outcome": importer.Imported})
		case errors.As(err, &se):
			c.JSON(http.StatusOK, gin.H{"outcome": importer.Skipped, "reason": se.Reason})
		case errors.As(err, &ce):
			c.JSON(http.StatusOK, gin.H{"outcome": importer.Skipped, "reason": ce.Message})
		case errors.Is(err, importer.ErrPending):
			Fail(c, importer.StatusPending, "pending", err.Error())
		case errors.Is(err, importer.ErrChecksumMismatch):
			Fail(c, http.StatusUnprocessableEntity, "checksum_mismatch", err.Error())
		case errors.As(err, &re):
			Fail(c, http.StatusUnprocessableEntity, "refused", re.Message)
		default:
			WriteError(c, err)
		}
	}
}
