package pypi

import (
	"bytes"
	"fmt"
	"mime"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// readWindow is how many bytes one ReadBlob reads while scanning (a var for tests).
var readWindow = 1 << 20

// Limits of the multipart parser: the body itself may be large (its file
// part stays in the blob), but headers, form fields and part counts are capped.
const (
	maxPartHeader = 16 << 10
	maxParts      = 2000
	maxFieldBytes = 64 << 10 // a field we keep; longer kept fields are refused
)

// Part is one part of a multipart/form-data body whose bytes stay in the blob.
type Part struct {
	Name     string
	Filename string
	// Offset and Size locate the part's content in the body blob.
	Offset, Size uint64
	// Data holds the content of the part ParseForm was asked to collect
	// (nil when it was over the collect limit).
	Data []byte
}

// Form is a parsed multipart/form-data body: small fields kept in memory
// (only those named in keep), file parts as blob ranges.
type Form struct {
	Values map[string]string
	Files  map[string]Part
}

// blobScanner reads a blob through a moving window of ReadBlob calls.
type blobScanner struct {
	h      sdk.Host
	digest string
	size   uint64
	win    []byte
	winOff uint64
	// sink collects the bytes of every window read from sinkEnd on (the
	// scan of a file part copies it in the same pass).
	sink    []byte
	sinkEnd uint64
	sinkMax uint64
	sinking bool
}

// collect starts gathering bytes from off on, at most max of them.
func (s *blobScanner) collect(off, max uint64) {
	s.sink = make([]byte, 0, min(max, s.size-off)+uint64(len(s.win)))
	s.sinkEnd, s.sinkMax, s.sinking = off, max, true
	if off >= s.winOff && off < s.winOff+uint64(len(s.win)) {
		s.feed(s.win, s.winOff)
	}
}

func (s *blobScanner) feed(b []byte, off uint64) {
	if !s.sinking || off > s.sinkEnd || off+uint64(len(b)) <= s.sinkEnd {
		return
	}
	s.sink = append(s.sink, b[s.sinkEnd-off:]...)
	s.sinkEnd = off + uint64(len(b))
	if uint64(len(s.sink)) > s.sinkMax+uint64(readWindow) {
		s.sink, s.sinking = nil, false // over the limit: keep scanning only
	}
}

// stop ends collecting and returns the n bytes gathered (nil when over the limit).
func (s *blobScanner) stop(n uint64) []byte {
	b, ok := s.sink, s.sinking
	s.sink, s.sinking = nil, false
	if !ok || n > s.sinkMax || uint64(len(b)) < n {
		return nil
	}
	return b[:n:n]
}

// at returns at least n bytes starting at off when the blob has them (fewer near its end).
func (s *blobScanner) at(off uint64, n int) ([]byte, error) {
	if off >= s.winOff && off+uint64(n) <= s.winOff+uint64(len(s.win)) {
		return s.win[off-s.winOff:], nil
	}
	if off >= s.size {
		return nil, nil
	}
	want := max(n, readWindow)
	b, err := s.h.ReadBlob(s.digest, off, uint32(want))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	s.win, s.winOff = b, off
	s.feed(b, off)
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
		if uint64(len(w)) < uint64(len(pat)) || off+uint64(len(w)) >= s.size {
			break
		}
		off += uint64(len(w) - len(pat) + 1)
	}
	return s.size, nil
}

// Boundary returns the boundary of a multipart/form-data Content-Type.
func Boundary(contentType string) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" {
		return "", fmt.Errorf("upload must be multipart/form-data, got %q", contentType)
	}
	b := params["boundary"]
	if b == "" || len(b) > 70 {
		return "", fmt.Errorf("multipart/form-data without a valid boundary")
	}
	return b, nil
}

// ParseForm parses a multipart/form-data body stored as a blob without
// loading file parts: it finds the part boundaries by scanning windows.
// Fields named in keep are read (each at most maxFieldBytes), other
// non-file fields are skipped; the file part named collect is also copied
// into Part.Data (while scanning, in one pass) when at most collectMax bytes.
// https://www.rfc-editor.org/rfc/rfc7578
func ParseForm(h sdk.Host, digest string, size uint64, boundary string, keep map[string]bool, collect string, collectMax uint64) (*Form, error) {
	s := &blobScanner{h: h, digest: digest, size: size}
	form := &Form{Values: map[string]string{}, Files: map[string]Part{}}
	dash := []byte("--" + boundary)
	delim := []byte("\r\n--" + boundary)
	// The first delimiter may start the body or follow a preamble line.
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
	for parts := 0; ; parts++ {
		// After a delimiter: "--" ends the body, else transport padding and CRLF.
		w, err := s.at(pos, 2)
		if err != nil {
			return nil, err
		}
		if len(w) >= 2 && w[0] == '-' && w[1] == '-' {
			return form, nil
		}
		if parts >= maxParts {
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
		gather := filename != "" && name == collect
		if gather {
			s.collect(cstart, collectMax)
		}
		cend, err := s.index(delim, cstart)
		if err != nil {
			return nil, err
		}
		var data []byte
		if gather && cend < size {
			data = s.stop(cend - cstart)
		}
		if cend >= size {
			return nil, fmt.Errorf("malformed multipart body: part %q is not terminated", name)
		}
		n := cend - cstart
		if filename != "" {
			if _, dup := form.Files[name]; dup {
				return nil, fmt.Errorf("malformed upload: file field %q given twice", name)
			}
			form.Files[name] = Part{Name: name, Filename: filename, Offset: cstart, Size: n, Data: data}
		} else if keep[name] {
			if n > maxFieldBytes {
				return nil, fmt.Errorf("form field %q is over %d bytes", name, maxFieldBytes)
			}
			v, err := s.at(cstart, int(n))
			if err != nil {
				return nil, err
			}
			if _, seen := form.Values[name]; !seen {
				form.Values[name] = string(v[:n])
			}
		}
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
