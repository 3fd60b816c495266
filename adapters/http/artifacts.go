package http

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/ports"
)

type artifactJSON struct {
	Path        string    `json:"path"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	SHA256      string    `json:"checksum_sha256"`
	SHA1        string    `json:"checksum_sha1"`
	MD5         string    `json:"checksum_md5"`
	DownloadURL string    `json:"download_url"`
	CreatedAt   time.Time `json:"created_at"`
	// Properties are sent with one artifact (GET), not in listings.
	Properties ports.Properties `json:"properties,omitempty"`
}

func toArtifactJSON(repoKey string, f ports.File) artifactJSON {
	return artifactJSON{Path: f.Path, Size: f.Size, ContentType: f.ContentType, SHA256: f.SHA256, SHA1: f.SHA1,
		MD5: f.MD5, DownloadURL: "/api/v1/repositories/" + repoKey + "/download/" + f.Path, CreatedAt: f.CreatedAt}
}

// FormatCatalog tells which plugin serves a format and what that plugin
// declares (core/plugin.Manager).
type FormatCatalog interface {
	Formats() []plugin.Format
	Get(id string) (plugin.Plugin, error)
}

// genericWritable answers whether the generic artifacts API (PUT
// .../artifacts/*, resumable uploads) may write into r. Only formats whose
// plugin declares the validate capability take plain file writes: the
// others (npm, OCI…) keep indexes and metadata that a bare file would
// bypass, so their uploads are refused with a 400 naming the format's own
// route. The decision reads the plugin's declaration only.
// A nil catalog (servers without plugins) lets every format through.
func (s *Server) genericWritable(c *gin.Context, r ports.Repository) bool {
	if s.d.Plugins == nil {
		return true
	}
	for _, f := range s.d.Plugins.Formats() {
		if f.Key != r.Format {
			continue
		}
		p, err := s.d.Plugins.Get(f.PluginID)
		if err != nil {
			WriteError(c, err)
			return false
		}
		if slices.Contains(p.Capabilities, ports.CapValidate) {
			return true
		}
		native := "the format's own protocol"
		if len(p.Mounts) > 0 {
			native += " at " + p.Mounts[0].Prefix
			if !p.Mounts[0].Root {
				native += r.Key + "/"
			}
		}
		Fail(c, http.StatusBadRequest, "native_protocol_required", fmt.Sprintf(
			"%q repositories take uploads through %s; this API writes only to formats whose plugin validates plain files", r.Format, native))
		return false
	}
	c.Header("Retry-After", "5")
	Fail(c, http.StatusServiceUnavailable, "unavailable", fmt.Sprintf("no plugin serves the format %q yet; retry shortly", r.Format))
	return false
}

func (s *Server) putArtifact(c *gin.Context) {
	r, ok := s.repo(c, ports.ActionWrite)
	if !ok || !s.genericWritable(c, r) {
		return
	}
	if c.Request.ContentLength > s.maxUpload() {
		Fail(c, http.StatusRequestEntityTooLarge, "too_large", "artifact exceeds the upload limit of "+strconv.FormatInt(s.maxUpload(), 10)+" bytes")
		return
	}
	p := wildcard(c, "path")
	f, err := s.d.Artifacts.Put(c.Request.Context(), artifact.Upload{
		RepoKey: r.Key, Path: p, ContentType: uploadType(p, c.ContentType()), Body: c.Request.Body,
		Expect: artifact.Expect{SHA256: c.GetHeader("X-Checksum-Sha256"), SHA1: c.GetHeader("X-Checksum-Sha1"), MD5: c.GetHeader("X-Checksum-Md5")},
	})
	if err != nil {
		artifactError(c, err)
		return
	}
	audited(c, "artifact.publish", r.Key+"/"+f.Path, fmt.Sprintf("sha256=%s size=%d", f.SHA256, f.Size))
	c.JSON(http.StatusCreated, toArtifactJSON(r.Key, f))
}

// uploadType is the type stored with an upload: the one its name implies,
// else the declared one unless that is a form default (curl -d), else none.
func uploadType(name, declared string) string {
	ct, _ := ServedType(name, declared)
	if ct == "application/octet-stream" && declared == "" {
		return ""
	}
	return ct
}

// artifactError maps upload failures, including 405 for read-only repository types.
func artifactError(c *gin.Context, err error) {
	if errors.Is(err, artifact.ErrNotWritable) {
		c.Header("Allow", "GET, HEAD")
		Fail(c, http.StatusMethodNotAllowed, "not_writable", err.Error()+": upload to a local repository instead")
		return
	}
	WriteError(c, err)
}

func (s *Server) maxUpload() int64 { return s.d.MaxUploadBytes }

func (s *Server) listArtifacts(c *gin.Context) {
	r, ok := s.repo(c, ports.ActionRead)
	if !ok {
		return
	}
	limit, _ := strconv.Atoi(c.DefaultQuery("limit", "100"))
	files, err := s.d.Artifacts.List(c.Request.Context(), r, c.Query("prefix"), c.Query("after"), limit)
	if err != nil {
		WriteError(c, err)
		return
	}
	items := make([]artifactJSON, 0, len(files))
	for _, f := range files {
		items = append(items, toArtifactJSON(r.Key, f))
	}
	next := ""
	if len(files) > 0 && len(files) == limit {
		next = files[len(files)-1].Path
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_after": next})
}

func (s *Server) getArtifact(c *gin.Context) {
	r, ok := s.repo(c, ports.ActionRead)
	if !ok {
		return
	}
	f, err := s.d.Artifacts.Get(c.Request.Context(), r, wildcard(c, "path"))
	if err == nil {
		// sha1 and md5 are computed on first request, not on upload.
		f, err = s.d.Artifacts.WithDigests(c.Request.Context(), f)
	}
	if err != nil {
		WriteError(c, err)
		return
	}
	out := toArtifactJSON(r.Key, f)
	if s.d.Properties != nil {
		if out.Properties, err = s.d.Properties.Artifact(c.Request.Context(), r, f.Path); err != nil {
			WriteError(c, err)
			return
		}
		if out.Properties == nil {
			out.Properties = ports.Properties{}
		}
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) deleteArtifact(c *gin.Context) {
	r, ok := s.repo(c, ports.ActionDelete)
	if !ok {
		return
	}
	if err := s.d.Artifacts.Delete(c.Request.Context(), r, wildcard(c, "path")); err != nil {
		WriteError(c, err)
		return
	}
	audited(c, "artifact.delete", r.Key+"/"+wildcard(c, "path"), "")
	c.Status(http.StatusNoContent)
}

func (s *Server) download(c *gin.Context) {
	r, ok := s.repo(c, ports.ActionRead)
	if !ok {
		return
	}
	f, rd, err := s.d.Artifacts.Open(c.Request.Context(), r, wildcard(c, "path"))
	if err != nil {
		WriteError(c, err)
		return
	}
	defer rd.Close()
	if !s.gateAllows(c, f) {
		return
	}
	markDownload(c, r.Key, f.Path)
	ServeFile(c, f, rd)
}

// gateAllows asks the download gate (the scan policies), which the format
// routes ask too, and answers 403 with its reason when it refuses.
func (s *Server) gateAllows(c *gin.Context, f ports.File) bool {
	if s.d.Gate == nil {
		return true
	}
	err := s.d.Gate.CheckDownload(c.Request.Context(), subject(c), f)
	if err == nil {
		return true
	}
	var refused interface{ Refusal() string }
	if errors.As(err, &refused) {
		Fail(c, http.StatusForbidden, "forbidden", refused.Refusal())
		return false
	}
	WriteError(c, err)
	return false
}

// ServeFile streams a stored file with Range, ETag (its sha256),
// If-None-Match and Content-Length; *os.File readers go out with sendfile.
func ServeFile(c *gin.Context, f ports.File, rd ports.BlobReader) {
	h := c.Writer.Header()
	h.Set("ETag", `"`+f.SHA256+`"`)
	ct, attach := ServedType(f.Path, f.ContentType)
	h.Set("Content-Type", ct)
	if attach {
		h.Set("Content-Disposition", AttachmentHeader(f.Path))
	}
	h.Set("Accept-Ranges", "bytes")
	if f.SHA1 != "" {
		h.Set("X-Checksum-Sha1", f.SHA1)
	}
	h.Set("X-Checksum-Sha256", f.SHA256)
	http.ServeContent(ResponseWriter(c), c.Request, "", f.CreatedAt, rd)
}
