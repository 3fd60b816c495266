package cran

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// PACKAGES.rds is a character matrix (one row per package, one column per
// field, NA for a missing field) written by saveRDS: gzip over R's XDR
// serialization, version 3. The format is R's serialize.c, described in
// "R Internals", 1.8 Serialization Formats:
// https://cran.r-project.org/doc/manuals/r-release/R-ints.html#Serialization-Formats

// SEXP types and special items used here (R-ints 1.1.1, serialize.c).
const (
	symSXP     = 1
	listSXP    = 2
	charSXP    = 9
	intSXP     = 13
	strSXP     = 16
	vecSXP     = 19
	nilValue   = 254
	refSXP     = 255
	hasAttr    = 1 << 9
	hasTag     = 1 << 10
	utf8Mask   = 1 << 3
	asciiMask  = 1 << 6
	levelShift = 12
	naLength   = -1
)

// Writer and minimal reader versions recorded in the header: R 4.2.2, and
// 3.5.0, the first R that reads serialization version 3.
const (
	rWriterVersion = 4<<16 | 2<<8 | 2
	rMinReader     = 3<<16 | 5<<8 // R 3.5.0
)

// Matrix is a character matrix with column names; a nil cell is NA.
type Matrix struct {
	Cols []string
	Rows [][]*string
}

// EncodeRDS serializes m as saveRDS(m) does (version 3, gzip).
func EncodeRDS(m Matrix) []byte {
	return gzipFast(rdsXDR(m.Cols, len(m.Rows), func(w *xdr) {
		for c := range m.Cols { // column-major
			for _, row := range m.Rows {
				w.char(row[c])
			}
		}
	}))
}

// rdsXDR is the serialization of a character matrix of nrow rows and
// columns cols whose cells, column-major, cells writes.
func rdsXDR(cols []string, nrow int, cells func(w *xdr)) []byte {
	var w xdr
	w.buf = append(w.buf, "X\n"...)
	w.int(3)
	w.int(rWriterVersion)
	w.int(rMinReader)
	w.int(5)
	w.buf = append(w.buf, "UTF-8"...)
	w.int(strSXP | hasAttr)
	w.int(nrow * len(cols))
	cells(&w)
	// attributes: pairlist dim = c(nrow, ncol), dimnames = list(NULL, cols)
	w.int(listSXP | hasTag)
	w.symbol("dim")
	w.int(intSXP)
	w.int(2)
	w.int(nrow)
	w.int(len(cols))
	w.int(listSXP | hasTag)
	w.symbol("dimnames")
	w.int(vecSXP)
	w.int(2)
	w.int(nilValue)
	w.int(strSXP)
	w.int(len(cols))
	for i := range cols {
		w.char(&cols[i])
	}
	w.int(nilValue)
	return w.buf
}

// xdr appends big-endian items (binary.Write allocated on each of the
// matrix's tens of thousands of integers).
type xdr struct{ buf []byte }

func (w *xdr) int(v int) { w.buf = binary.BigEndian.AppendUint32(w.buf, uint32(int32(v))) }

func (w *xdr) char(s *string) {
	if s == nil {
		w.int(charSXP)
		w.int(naLength)
		return
	}
	mask := asciiMask
	for i := 0; i < len(*s); i++ {
		if (*s)[i] >= 0x80 {
			mask = utf8Mask
			break
		}
	}
	w.int(charSXP | mask<<levelShift)
	w.int(len(*s))
	w.buf = append(w.buf, *s...)
}

func (w *xdr) symbol(name string) {
	w.int(symSXP)
	w.char(&name)
}

// maxRDS bounds a decompressed PACKAGES.rds read by merge.
const maxRDS = 64 << 20

var errRDS = errors.New("not a PACKAGES.rds character matrix")

// DecodeRDS reads a PACKAGES.rds of the shape EncodeRDS writes (gzip or
// uncompressed, XDR, version 2 or 3, a character matrix with column names).
// Other compressions (xz, bzip2) and shapes are errors.
func DecodeRDS(b []byte) (Matrix, error) {
	if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return Matrix{}, fmt.Errorf("rds: %w", err)
		}
		var out bytes.Buffer
		n, err := out.ReadFrom(io.LimitReader(zr, maxRDS+1))
		if err != nil {
			return Matrix{}, fmt.Errorf("rds: %w", err)
		}
		if n > maxRDS {
			return Matrix{}, fmt.Errorf("rds: larger than %d bytes", maxRDS)
		}
		b = out.Bytes()
	}
	r := &rdsReader{b: b}
	if len(b) < 2 || string(b[:2]) != "X\n" {
		return Matrix{}, fmt.Errorf("rds: not XDR serialization")
	}
	r.off = 2
	ver := r.int()
	r.int()
	r.int()
	if ver == 3 {
		n := r.int()
		r.skip(n)
	} else if ver != 2 {
		return Matrix{}, fmt.Errorf("rds: serialization version %d", ver)
	}
	flags := r.int()
	if flags&0xff != strSXP || flags&hasAttr == 0 {
		return Matrix{}, errRDS
	}
	n := r.int()
	if n < 0 || n > len(b)/8 {
		return Matrix{}, errRDS
	}
	cells := make([]*string, n)
	for i := range cells {
		cells[i] = r.char()
	}
	var nrow, ncol int
	var cols []*string
	for r.err == nil {
		f := r.int()
		if f&0xff == nilValue {
			break
		}
		if f&0xff != listSXP || f&hasTag == 0 {
			return Matrix{}, errRDS
		}
		tag := r.symbol()
		switch tag {
		case "dim":
			if r.int()&0xff != intSXP || r.int() != 2 {
				return Matrix{}, errRDS
			}
			nrow, ncol = r.int(), r.int()
		case "dimnames":
			if r.int()&0xff != vecSXP || r.int() != 2 || r.int()&0xff != nilValue || r.int()&0xff != strSXP {
				return Matrix{}, errRDS
			}
			k := r.int()
			if k < 0 || k > n+1 {
				return Matrix{}, errRDS
			}
			cols = make([]*string, k)
			for i := range cols {
				cols[i] = r.char()
			}
		default:
			return Matrix{}, errRDS
		}
	}
	if r.err != nil || nrow < 0 || ncol != len(cols) || nrow*ncol != n {
		return Matrix{}, errRDS
	}
	m := Matrix{Cols: make([]string, ncol), Rows: make([][]*string, nrow)}
	for c, s := range cols {
		if s == nil {
			return Matrix{}, errRDS
		}
		m.Cols[c] = *s
	}
	for i := range m.Rows {
		m.Rows[i] = make([]*string, ncol)
		for c := 0; c < ncol; c++ {
			m.Rows[i][c] = cells[c*nrow+i]
		}
	}
	return m, nil
}

type rdsReader struct {
	b    []byte
	off  int
	err  error
	syms []string
}

func (r *rdsReader) int() int {
	if r.err != nil || r.off+4 > len(r.b) {
		r.err = errRDS
		return 0
	}
	v := int32(binary.BigEndian.Uint32(r.b[r.off:]))
	r.off += 4
	return int(v)
}

func (r *rdsReader) skip(n int) {
	if n < 0 || r.off+n > len(r.b) {
		r.err = errRDS
		return
	}
	r.off += n
}

func (r *rdsReader) char() *string {
	if r.int()&0xff != charSXP {
		r.err = errRDS
		return nil
	}
	n := r.int()
	if n == naLength {
		return nil
	}
	start := r.off
	r.skip(n)
	if r.err != nil {
		return nil
	}
	s := string(r.b[start:r.off])
	return &s
}

// symbol reads a tag: a new symbol, or a reference to one read before.
func (r *rdsReader) symbol() string {
	f := r.int()
	switch f & 0xff {
	case symSXP:
		s := r.char()
		if s == nil {
			r.err = errRDS
			return ""
		}
		r.syms = append(r.syms, *s)
		return *s
	case refSXP:
		i := f >> 8
		if i == 0 {
			i = r.int()
		}
		if i < 1 || i > len(r.syms) {
			r.err = errRDS
			return ""
		}
		return r.syms[i-1]
	}
	r.err = errRDS
	return ""
}
