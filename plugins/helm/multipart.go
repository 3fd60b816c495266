package helm

import (
	"bytes"
	"fmt"
	"mime"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// readWindow is how many bytes one ReadBlob reads while scanning (a var for tests).
var readWindow = 1 << 20

// Limits of the multipart parser: part bytes stay in the body blob, only
// part headers are read into memory.
const (
	maxPartHeader = 16 << 10
	maxParts      = 16
	copyChunk     = 4 << 20
)

// Part locates one part of a multipart/form-data body in the body blob.
type Part struct {
	Name, Filename string
	Offset, Size   uint64
}

// blobScanner reads a blob through a moving window of ReadBlob calls.
type blobScanner struct {
	h      sdk.Host
	digest string
	size   uint64
	win    []byte
	winOff uint64
}

// at returns at least n bytes starting at off when the blob has them (fewer near its end).
func (s *blobScanner) at(off uint64, n int) ([]byte, error) {
	if off >= s.winOff && off+uint64(n) <= s.winOff+uint64(len(s.win)) {
		return s.win[off-s.winOff:], nil
	}
	if off >= s.size {
		return nil, nil
	}
	b, err := s.h.ReadBlob(s.digest, off, uint32(max(n, readWindow)))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	s.win, s.winOff = b, off
	return b, nil
}

// index finds pat at or after off; it returns the blob size when absent.
func (s *blobScanner) index(pat []byte, off uint64) (uint64, error) {
	for off < s.size {
		w, err := s.at(off, len(pat))
		if err != nil {
			return 0, err
		}
		if len(w) == 0 {
			break
		}
		if i := bytes.Index(w, pat); i >= 0 {
			return off + uint64(i), nil
		}
		if len(w) < len(pat) || off+uint64(len(w)) >= s.size {
			break
		}
		off += uint64(len(w) - len(pat) + 1)
	}
	return s.size, nil
}

// multipartBoundary returns the boundary of a multipart/form-data
// Content-Type, ok=false when the body is not multipart/form-data.
func multipartBoundary(contentType string) (string, bool, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" {
		return "", false, nil
	}
	b := params["boundary"]
	if b == "" || len(b) > 70 {
		return "", true, fmt.Errorf("multipart/form-data without a valid boundary")
	}
	return b, true, nil
}

// parseParts finds the parts of a multipart/form-data body stored as a
// blob without loading their content. https://www.rfc-editor.org/rfc/rfc7578
func parseParts(h sdk.Host, digest string, size uint64, boundary string) (map[string]Part, error) {
	s := &blobScanner{h: h, digest: digest, size: size}
	parts := map[string]Part{}
	dash := []byte("--" + boundary)
	delim := []byte("\r\n--" + boundary)
	head, err := s.at(0, len(dash))
	if err != nil {
		return nil, err
	}
	var pos uint64
	if bytes.HasPrefix(head, dash) {
		pos = uint64(len(dash))
	} else {
		p, err := s.index(delim, 0)
		if err != nil {
			return nil, err
		}
		if p >= size {
			return nil, fmt.Errorf("malformed multipart body: no boundary")
		}
		pos = p + uint64(len(delim))
	}
	for n := 0; ; n++ {
		w, err := s.at(pos, 2)
		if err != nil {
			return nil, err
		}
		if len(w) >= 2 && w[0] == '-' && w[1] == '-' {
			return parts, nil
		}
		if n >= maxParts {
			return nil, fmt.Errorf("malformed multipart body: more than %d parts", maxParts)
		}
		eol, err := s.index([]byte("\r\n"), pos)
		if err != nil {
			return nil, err
		}
		if eol >= size || eol-pos > 64 {
			return nil, fmt.Errorf("malformed multipart body: bad boundary line")
		}
		hstart := eol + 2
		hend, err := s.index([]byte("\r\n\r\n"), hstart)
		if err != nil {
			return nil, err
		}
		if hend >= size || hend-hstart > maxPartHeader {
			return nil, fmt.Errorf("malformed multipart body: part headers missing or over %d bytes", maxPartHeader)
		}
		hb, err := s.at(hstart, int(hend-hstart))
		if err != nil {
			return nil, err
		}
		name, filename, err := partNames(string(hb[:hend-hstart]))
		if err != nil {
			return nil, err
		}
		cstart := hend + 4
		cend, err := s.index(delim, cstart)
		if err != nil {
			return nil, err
		}
		if cend >= size {
			return nil, fmt.Errorf("malformed multipart body: part %q is not terminated", name)
		}
		if _, dup := parts[name]; dup {
			return nil, fmt.Errorf("malformed upload: field %q given twice", name)
		}
		parts[name] = Part{Name: name, Filename: filename, Offset: cstart, Size: cend - cstart}
		pos = cend + uint64(len(delim))
	}
}

// partNames reads name and filename from a part's Content-Disposition.
func partNames(header string) (name, filename string, err error) {
	for _, line := range strings.Split(header, "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "Content-Disposition") {
			continue
		}
		disp, params, err := mime.ParseMediaType(strings.TrimSpace(v))
		if err != nil || disp != "form-data" {
			return "", "", fmt.Errorf("malformed multipart body: bad Content-Disposition %q", strings.TrimSpace(v))
		}
		if params["name"] == "" {
			return "", "", fmt.Errorf("malformed multipart body: part without a name")
		}
		return params["name"], params["filename"], nil
	}
	return "", "", fmt.Errorf("malformed multipart body: part without Content-Disposition")
}

// copyPart stores a part's bytes as their own blob (in chunks) and returns its digest.
func copyPart(h sdk.Host, body string, p Part) (string, error) {
	out := make([]byte, 0, p.Size)
	for uint64(len(out)) < p.Size {
		want := min(p.Size-uint64(len(out)), copyChunk)
		b, err := h.ReadBlob(body, p.Offset+uint64(len(out)), uint32(want))
		if err != nil {
			return "", fmt.Errorf("helm: read part %s: %w", p.Name, err)
		}
		if len(b) == 0 {
			return "", fmt.Errorf("helm: part %s ends early", p.Name)
		}
		out = append(out, b...)
	}
	d, err := h.PutBlob(out)
	if err != nil {
		return "", fmt.Errorf("helm: store part %s: %w", p.Name, err)
	}
	return d, nil
}
