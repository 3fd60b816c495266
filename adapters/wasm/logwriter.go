package wasm

import (
	"log/slog"
	"sync"
)

// Caps of a guest's stdout/stderr.
const (
	maxOutLine  = 4096
	maxOutTotal = 1 << 20
)

// logWriter turns a guest's stdout/stderr into slog lines, line-buffered,
// each line capped, and drops output past maxOutTotal per instance.
type logWriter struct {
	mu      sync.Mutex
	log     *slog.Logger
	buf     []byte
	total   int
	dropped bool
}

func newLogWriter(log *slog.Logger, id string) *logWriter {
	return &logWriter{log: log.With("plugin", id, "stream", "stdio")}
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	if w.total >= maxOutTotal {
		if !w.dropped {
			w.dropped = true
			w.log.Warn("plugin output limit reached; dropping further output")
		}
		return n, nil
	}
	w.total += len(p)
	for len(p) > 0 {
		i := indexNL(p)
		if i < 0 {
			room := maxOutLine - len(w.buf)
			w.buf = append(w.buf, p[:min(len(p), max(room, 0))]...)
			return n, nil
		}
		room := maxOutLine - len(w.buf)
		w.buf = append(w.buf, p[:min(i, max(room, 0))]...)
		w.log.Info(string(w.buf))
		w.buf = w.buf[:0]
		p = p[i+1:]
	}
	return n, nil
}

func indexNL(p []byte) int {
	for i, c := range p {
		if c == '\n' {
			return i
		}
	}
	return -1
}
