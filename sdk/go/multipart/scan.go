package multipart

import (
	"bytes"
	"errors"
	"fmt"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// scanner reads a blob through a moving window of ReadBlob calls.
type scanner struct {
	h      sdk.Host
	digest string
	size   uint64
	window int
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
func (s *scanner) collect(off, max uint64) {
	s.sink = make([]byte, 0, min(max, s.size-off)+uint64(len(s.win)))
	s.sinkEnd, s.sinkMax, s.sinking = off, max, true
	if off >= s.winOff && off < s.winOff+uint64(len(s.win)) {
		s.feed(s.win, s.winOff)
	}
}

func (s *scanner) feed(b []byte, off uint64) {
	if !s.sinking || off > s.sinkEnd || off+uint64(len(b)) <= s.sinkEnd {
		return
	}
	s.sink = append(s.sink, b[s.sinkEnd-off:]...)
	s.sinkEnd = off + uint64(len(b))
	if uint64(len(s.sink)) > s.sinkMax+uint64(s.window) {
		s.sink, s.sinking = nil, false // over the limit: keep scanning only
	}
}

// stop ends collecting and returns the n bytes gathered (nil when over the limit).
func (s *scanner) stop(n uint64) []byte {
	b, ok := s.sink, s.sinking
	s.sink, s.sinking = nil, false
	if !ok || n > s.sinkMax || uint64(len(b)) < n {
		return nil
	}
	return b[:n:n]
}

// at returns at least n bytes starting at off when the blob has them (fewer near its end).
func (s *scanner) at(off uint64, n int) ([]byte, error) {
	if off >= s.winOff && off+uint64(n) <= s.winOff+uint64(len(s.win)) {
		return s.win[off-s.winOff:], nil
	}
	if off >= s.size {
		return nil, nil
	}
	b, err := s.h.ReadBlob(s.digest, off, uint32(max(n, s.window)))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	s.win, s.winOff = b, off
	s.feed(b, off)
	return b, nil
}

// index finds pat at or after off; it returns the blob size when absent.
// Unless the scan collects a part's bytes, the host searches (index-bytes):
// the bytes between boundaries are never read into the plugin.
func (s *scanner) index(pat []byte, off uint64) (uint64, error) {
	if !s.sinking {
		end := s.winOff + uint64(len(s.win))
		if off >= s.winOff && off < end {
			if i := bytes.Index(s.win[off-s.winOff:], pat); i >= 0 {
				return off + uint64(i), nil
			}
			if end >= s.size {
				return s.size, nil
			}
			off = max(off, end-uint64(len(pat))+1)
		}
		at, found, err := sdk.IndexBytes(s.h, s.digest, off, pat)
		switch {
		case err == nil && found:
			return at, nil
		case err == nil:
			return s.size, nil
		case !errors.Is(err, sdk.ErrNoImport):
			return 0, fmt.Errorf("read body: %w", err)
		}
	}
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
