package http

import (
	"mime"
	"net/url"
	"path"
	"strings"
)

// ServedType is the Content-Type a stored file is served with, and whether
// it must be an attachment (issue 20.10). The stored type (the format's, or
// the uploader's) counts unless it is a type a browser renders as a page
// or runs — HTML, SVG, JavaScript — and the name does not say so: a
// "text/html" upload named x.tgz is served by its name's type (or
// application/octet-stream), never as the uploader's HTML. HTML, SVG, XML
// and JavaScript are always attachments, so a browser never renders them
// on the registry's origin (a Maven POM keeps its text/xml, as a download).
// Form defaults (curl -d, multipart) count as no type at all.
func ServedType(name, stored string) (contentType string, attachment bool) {
	byName := mime.TypeByExtension(path.Ext(name))
	declared := mediaType(stored)
	switch {
	case declared == "", declared == "application/x-www-form-urlencoded", declared == "multipart/form-data":
		contentType = byName
	case scriptable(declared) && mediaType(byName) != declared:
		contentType = byName
	default:
		contentType = stored
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	return contentType, activeType(mediaType(contentType)) || activeType(mediaType(byName))
}

// scriptable reports whether mt renders as a page or runs as a script.
func scriptable(mt string) bool {
	return activeType(mt) && !xmlType(mt) || mt == "image/svg+xml" || mt == "application/xhtml+xml"
}

func xmlType(mt string) bool {
	return mt == "text/xml" || mt == "application/xml" || strings.HasSuffix(mt, "+xml")
}

// activeType reports whether a browser may execute or render mt with
// scripts: HTML, SVG, XML (XSLT) and JavaScript.
func activeType(mt string) bool {
	switch mt {
	case "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/xsl",
		"application/javascript", "text/javascript", "application/ecmascript", "text/ecmascript",
		"application/x-javascript", "text/x-javascript", "application/x-shockwave-flash", "application/pdf":
		return true
	}
	return strings.HasSuffix(mt, "+xml")
}

func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// AttachmentHeader is the Content-Disposition for a stored file served as
// an attachment (RFC 6266 with an RFC 8187 filename*).
func AttachmentHeader(name string) string {
	base := path.Base(name)
	if base == "." || base == "/" || base == "" {
		return "attachment"
	}
	return "attachment; filename*=UTF-8''" + url.PathEscape(base)
}
