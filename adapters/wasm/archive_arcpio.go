package wasm

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
)

// walkAr reads the common ar format ("!<arch>\n", 60-byte headers ending in
// "`\n", GNU long names; https://man.freebsd.org/cgi/man.cgi?query=ar&sektion=5).
func walkAr(r *bufio.Reader, visit visitFn) error {
	magic := make([]byte, 8)
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != "!<arch>\n" {
		return corrupt("ar: bad magic")
	}
	var longNames []byte
	hdr := make([]byte, 60)
	for {
		if _, err := io.ReadFull(r, hdr); err == io.EOF {
			return nil
		} else if err != nil {
			return readErr("ar", err)
		}
		if string(hdr[58:60]) != "`\n" {
			return corrupt("ar: bad header")
		}
		name := strings.TrimRight(string(hdr[0:16]), " ")
		size, err := strconv.ParseInt(strings.TrimSpace(string(hdr[48:58])), 10, 64)
		if err != nil || size < 0 {
			return corrupt("ar: bad size")
		}
		body := &io.LimitedReader{R: r, N: size}
		switch {
		case name == "//":
			if size > 1<<20 {
				return corrupt("ar: long-name table too large")
			}
			longNames, err = io.ReadAll(body)
			if err != nil {
				return readErr("ar", err)
			}
		case name == "/" || name == "/SYM64/":
		default:
			if strings.HasPrefix(name, "/") && longNames != nil {
				off, err := strconv.Atoi(name[1:])
				if err != nil || off < 0 || off >= len(longNames) {
					return corrupt("ar: bad long-name reference %q", name)
				}
				n := longNames[off:]
				if i := bytes.IndexByte(n, '\n'); i >= 0 {
					n = n[:i]
				}
				name = string(n)
			}
			name = strings.TrimSuffix(name, "/")
			if err := visit(name, size, false, body); err != nil {
				return err
			}
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return readErr("ar", err)
		}
		if body.N > 0 {
			return corrupt("ar: entry %q is shorter than its declared %d bytes", name, size)
		}
		if size%2 == 1 {
			if _, err := r.ReadByte(); err != nil && err != io.EOF {
				return readErr("ar", err)
			}
		}
	}
}

// walkCpio reads the "newc" cpio format (magic 070701/070702,
// https://man.freebsd.org/cgi/man.cgi?query=cpio&sektion=5).
func walkCpio(r *bufio.Reader, visit visitFn) error {
	hdr := make([]byte, 110)
	var read int64
	pad := func(n int64) error {
		if p := (4 - n%4) % 4; p > 0 {
			_, err := io.CopyN(io.Discard, r, p)
			read += p
			return err
		}
		return nil
	}
	for {
		if _, err := io.ReadFull(r, hdr); err != nil {
			return readErr("cpio", err)
		}
		read += 110
		if m := string(hdr[:6]); m != "070701" && m != "070702" {
			return corrupt("cpio: unsupported format (want newc)")
		}
		var fields [13]int64
		for i := range fields {
			v, err := strconv.ParseUint(string(hdr[6+i*8:14+i*8]), 16, 32)
			if err != nil {
				return corrupt("cpio: bad header")
			}
			fields[i] = int64(v)
		}
		mode, size, nameSize := fields[1], fields[6], fields[11]
		if nameSize <= 0 || nameSize > maxEntryName {
			return corrupt("cpio: bad header")
		}
		nb := make([]byte, nameSize)
		if _, err := io.ReadFull(r, nb); err != nil {
			return readErr("cpio", err)
		}
		read += nameSize
		if err := pad(read); err != nil {
			return readErr("cpio", err)
		}
		name := string(bytes.TrimRight(nb, "\x00"))
		if name == "TRAILER!!!" {
			return onlyZeros(r, "cpio")
		}
		body := &io.LimitedReader{R: r, N: size}
		const typeMask, typeDir, typeReg = 0o170000, 0o040000, 0o100000
		switch t := mode & typeMask; t {
		case typeDir, typeReg:
			if err := visit(name, size, t == typeDir, body); err != nil {
				return err
			}
		default:
			return corrupt("cpio: entry %q is not a file or directory", name)
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return readErr("cpio", err)
		}
		if body.N > 0 {
			return corrupt("cpio: entry %q is shorter than its declared %d bytes", name, size)
		}
		read += size
		if err := pad(read); err != nil {
			return readErr("cpio", err)
		}
	}
}
