package http

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/upload"
	"github.com/keeper-registry/keeper/ports"
)

type uploadJSON struct {
	SessionID      string `json:"session_id"`
	RepositoryKey  string `json:"repository_key"`
	ArtifactPath   string `json:"artifact_path"`
	TotalSize      int64  `json:"total_size"`
	ChecksumSHA256 string `json:"checksum_sha256"`
	Offset         int64  `json:"offset"`
}

func toUploadJSON(u ports.UploadSession) uploadJSON {
	return uploadJSON{SessionID: u.ID, RepositoryKey: u.RepositoryKey, ArtifactPath: u.ArtifactPath,
		TotalSize: u.TotalSize, ChecksumSHA256: u.ChecksumSHA256, Offset: u.Offset}
}

func (s *Server) startUpload(c *gin.Context) {
	var req struct {
		RepositoryKey  string `json:"repository_key"`
		ArtifactPath   string `json:"artifact_path"`
		TotalSize      int64  `json:"total_size"`
		ChecksumSHA256 string `json:"checksum_sha256"`
	}
	if !bindJSON(c, &req) {
		return
	}
	r, err := s.d.Repos.Get(c.Request.Context(), req.RepositoryKey)
	if err != nil {
		WriteError(c, err)
		return
	}
	if !s.authorize(c, ports.ActionWrite, r) || !s.genericWritable(c, r) {
		return
	}
	u, err := s.d.Uploads.Start(c.Request.Context(), subject(c).UserID, r.Key, req.ArtifactPath, req.TotalSize, strings.ToLower(req.ChecksumSHA256))
	if err != nil {
		artifactError(c, err)
		return
	}
	c.Header("Location", "/api/v1/uploads/"+u.ID)
	c.JSON(http.StatusCreated, toUploadJSON(u))
}

// session loads an upload and checks the caller may write to its repository.
func (s *Server) session(c *gin.Context) (ports.UploadSession, bool) {
	u, err := s.d.Uploads.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		WriteError(c, err)
		return u, false
	}
	r, err := s.d.Repos.Get(c.Request.Context(), u.RepositoryKey)
	if err != nil {
		WriteError(c, err)
		return u, false
	}
	return u, s.authorize(c, ports.ActionWrite, r)
}

func (s *Server) uploadStatus(c *gin.Context) {
	if u, ok := s.session(c); ok {
		c.Header("Range", fmt.Sprintf("bytes=0-%d", u.Offset-1))
		c.JSON(http.StatusOK, toUploadJSON(u))
	}
}

// appendUpload takes one chunk; Content-Range is "bytes START-END/TOTAL" (RFC 9110 §14.4)
// or absent, which means the chunk starts at the current offset.
func (s *Server) appendUpload(c *gin.Context) {
	u, ok := s.session(c)
	if !ok {
		return
	}
	start := u.Offset
	if cr := c.GetHeader("Content-Range"); cr != "" {
		var end, total int64
		spec := strings.TrimPrefix(cr, "bytes ")
		if _, err := fmt.Sscanf(spec, "%d-%d/", &start, &end); err != nil || end < start {
			Fail(c, http.StatusBadRequest, "invalid", "Content-Range must look like 'bytes START-END/TOTAL'")
			return
		}
		if t := spec[strings.LastIndex(spec, "/")+1:]; t != "*" {
			if total, _ = strconv.ParseInt(t, 10, 64); total != u.TotalSize {
				Fail(c, http.StatusBadRequest, "invalid", "Content-Range total does not match the session's total_size")
				return
			}
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, end-start+1)
	}
	u, err := s.d.Uploads.Append(c.Request.Context(), u.ID, start, c.Request.Body)
	if errors.Is(err, upload.ErrOffset) {
		c.Header("Range", fmt.Sprintf("bytes=0-%d", u.Offset-1))
		Fail(c, http.StatusRequestedRangeNotSatisfiable, "bad_offset", err.Error())
		return
	}
	if err != nil {
		WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, toUploadJSON(u))
}

func (s *Server) completeUpload(c *gin.Context) {
	u, ok := s.session(c)
	if !ok {
		return
	}
	f, err := s.d.Uploads.Complete(c.Request.Context(), u.ID)
	if err != nil {
		artifactError(c, err)
		return
	}
	audited(c, "artifact.publish", u.RepositoryKey+"/"+f.Path, fmt.Sprintf("sha256=%s size=%d upload=%s", f.SHA256, f.Size, u.ID))
	c.JSON(http.StatusCreated, toArtifactJSON(u.RepositoryKey, f))
}

func (s *Server) cancelUpload(c *gin.Context) {
	u, ok := s.session(c)
	if !ok {
		return
	}
	if err := s.d.Uploads.Cancel(c.Request.Context(), u.ID); err != nil {
		WriteError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
