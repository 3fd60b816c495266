package multipart

import (
	"bytes"
	"fmt"
	"mime"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Default limits (see Limits).
const (
	DefaultWindow        = 1 << 20
	DefaultMaxParts      = 2000
	DefaultMaxPartHeader = 16 << 10
	DefaultMaxFieldBytes = 64 << 10
)

// Limits bound what Parse reads into memory; zero fields take the defaults.
// The body itself may be large: file parts stay in the blob.
type Limits struct {
	// Window is how many bytes one ReadBlob call reads while scanning.
	Window int
	// MaxParts is the most parts a body may have.
	MaxParts int
	// MaxPartHeader bounds the header block of one part.
	MaxPartHeader uint64
	// MaxFieldBytes bounds a field read into Form.Values.
	MaxFieldBytes uint64
}

func (l Limits) withDefaults() Limits {
	if l.Window <= 0 {
		l.Window = DefaultWindow
	}
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultMaxParts
	}
	if l.MaxPartHeader == 0 {
		l.MaxPartHeader = DefaultMaxPartHeader
	}
	if l.MaxFieldBytes == 0 {
		l.MaxFieldBytes = DefaultMaxFieldBytes
	}
	return l
}

// Options say what Parse keeps besides the part ranges.
type Options struct {
	Limits
	// Keep names the non-file fields read into Form.Values (the first
	// occurrence wins); other non-file fields are only located.
	Keep map[string]bool
	// Collect names a file part whose bytes are also copied into Part.Data
	// during the scan (one pass) when at most CollectMax bytes.
	Collect    string
	CollectMax uint64
	// Unique refuses any part name given twice; without it only file part
	// names must be unique.
	Unique bool
}

// Part is one part of a body; its bytes stay in the body blob.
type Part struct {
	Name     string
	Filename string // empty for a non-file field
	// Offset and Size locate the part's content in the body blob.
	Offset, Size uint64
	// Data holds the content of the part Options.Collect named (nil when
	// it was over CollectMax).
	Data []byte
}

// Form is a parsed multipart/form-data body.
type Form struct {
	// Values holds the fields named in Options.Keep.
	Values map[string]string
	// Files holds the file parts (those with a filename) by field name.
	Files map[string]Part
	// Parts lists every part, files and fields, in body order.
	Parts []Part
}

// Part returns the first part named name, file or field.
func (f *Form) Part(name string) (Part, bool) {
	for _, p := range f.Parts {
		if p.Name == name {
			return p, true
		}
	}
	return Part{}, false
}

// Boundary returns the boundary parameter of a multipart/form-data
// Content-Type (RFC 7578 §4.1, RFC 2046 §5.1.1: 1 to 70 characters);
// ok is false when the media type is not multipart/form-data.
func Boundary(contentType string) (boundary string, ok bool, err error) {
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

// Parse parses a multipart/form-data body of size bytes stored as the blob
// digest without loading file parts: it finds the delimiters (RFC 2046
// §5.1.1) by scanning windows and reads part headers for the
// Content-Disposition name and filename (RFC 7578 §4.2).
// https://www.rfc-editor.org/rfc/rfc7578 https://www.rfc-editor.org/rfc/rfc2046#section-5.1
func Parse(h sdk.Host, digest string, size uint64, boundary string, opt Options) (*Form, error) {
	lim := opt.Limits.withDefaults()
	s := &scanner{h: h, digest: digest, size: size, window: lim.Window}
	form := &Form{Values: map[string]string{}, Files: map[string]Part{}}
	seen := map[string]bool{}
	dash := []byte("--" + boundary)
	delim := []byte("\r\n--" + boundary)
	// The first delimiter may start the body or follow a preamble.
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
		if parts >= lim.MaxParts {
			return nil, fmt.Errorf("malformed multipart body: more than %d parts", lim.MaxParts)
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
		if hend >= size || hend-hstart > lim.MaxPartHeader {
			return nil, fmt.Errorf("malformed multipart body: part headers missing or over %d bytes", lim.MaxPartHeader)
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
		gather := filename != "" && name == opt.Collect
		if gather {
			s.collect(cstart, opt.CollectMax)
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
		if opt.Unique && seen[name] {
			return nil, fmt.Errorf("malformed upload: field %q given twice", name)
		}
		seen[name] = true
		n := cend - cstart
		p := Part{Name: name, Filename: filename, Offset: cstart, Size: n, Data: data}
		if filename != "" {
			if _, dup := form.Files[name]; dup {
				return nil, fmt.Errorf("malformed upload: file field %q given twice", name)
			}
			form.Files[name] = p
		} else if opt.Keep[name] {
			if n > lim.MaxFieldBytes {
				return nil, fmt.Errorf("form field %q is over %d bytes", name, lim.MaxFieldBytes)
			}
			v, err := s.at(cstart, int(n))
			if err != nil {
				return nil, err
			}
			if _, seen := form.Values[name]; !seen {
				form.Values[name] = string(v[:n])
			}
		}
		form.Parts = append(form.Parts, p)
		pos = cend + uint64(len(delim))
	}
}

// partNames reads name and filename from a part's Content-Disposition
// (RFC 7578 §4.2).
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

// CopyPart has the host store the bytes of p (a range of the blob body) as
// their own blob (the concat-ranges import) and returns the new blob's
// digest: the part never enters the plugin, whatever its size.
func CopyPart(h sdk.Host, body string, p Part) (string, error) {
	if p.Size == 0 {
		d, err := h.PutBlob(nil)
		if err != nil {
			return "", fmt.Errorf("store part %s: %w", p.Name, err)
		}
		return d, nil
	}
	b, err := sdk.ConcatRanges(h, []sdk.BlobRange{{Digest: body, Offset: p.Offset, Length: p.Size}})
	if err != nil {
		return "", fmt.Errorf("store part %s: %w", p.Name, err)
	}
	return b.Digest, nil
}
