package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressMin is the size from which --progress=auto draws a bar.
const progressMin = 1 << 20

// progressReader counts what is read through it and draws a bar on w:
// redrawn in place on a terminal, else a line per tenth.
type progressReader struct {
	r           io.Reader
	w           io.Writer
	label       string
	total, done int64
	terminal    bool
	start, last time.Time
	lastTenth   int64
}

func newProgress(r io.Reader, w io.Writer, label string, total int64, terminal bool) *progressReader {
	return &progressReader{r: r, w: w, label: label, total: total, terminal: terminal, start: time.Now(), lastTenth: -1}
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	p.draw(false)
	return n, err
}

// draw renders the bar; final draws it complete and ends the line.
func (p *progressReader) draw(final bool) {
	if p.total <= 0 {
		return
	}
	tenth := p.done * 10 / p.total
	now := time.Now()
	switch {
	case final:
	case p.terminal && now.Sub(p.last) < 100*time.Millisecond:
		return
	case !p.terminal && tenth == p.lastTenth:
		return
	}
	p.last, p.lastTenth = now, tenth
	const width = 30
	filled := int(p.done * width / p.total)
	rate := float64(p.done) / max(now.Sub(p.start).Seconds(), 0.001)
	line := fmt.Sprintf("%s [%s%s] %3d%% %s/%s %s/s", p.label, strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		p.done*100/p.total, size(p.done), size(p.total), size(int64(rate)))
	if p.terminal {
		fmt.Fprint(p.w, "\r"+line)
		if final {
			fmt.Fprintln(p.w)
		}
		return
	}
	fmt.Fprintln(p.w, line)
}

// finish draws the last state once the upload ended.
func (p *progressReader) finish() {
	if p.terminal || p.lastTenth != 10 {
		p.draw(true)
	}
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// isTerminal tells whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
