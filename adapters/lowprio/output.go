package lowprio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Errors of Output, wrapped.
var (
	// ErrMissing: the program is not installed.
	ErrMissing = errors.New("lowprio: program not found")
	// ErrOutputTooLarge: the program wrote more than Command.MaxOutput.
	ErrOutputTooLarge = errors.New("lowprio: output too large")
	// ErrTimeout: the program did not finish within Command.Timeout.
	ErrTimeout = errors.New("lowprio: no answer in time")
)

// maxStderr bounds the standard error kept for the error message.
const maxStderr = 16 << 10

// Command is a program run for its standard output.
type Command struct {
	// Path is the program (looked up on PATH when it has no slash).
	Path string
	Args []string
	// Env is added to PATH, HOME and TMPDIR, the only variables of ours
	// the program gets (no secrets).
	Env       []string
	Timeout   time.Duration
	MaxOutput int64
}

// Output runs c at Nice (Run) and returns its standard output. A program
// that fails has the last line of its standard error in the error.
func Output(ctx context.Context, c Command) ([]byte, error) {
	prog, err := exec.LookPath(c.Path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMissing, c.Path)
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, c.Args...)
	// After the deadline kills the program, stop waiting for children that
	// still hold its output open.
	cmd.WaitDelay = 2 * time.Second
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Env = append(cmd.Env, c.Env...)
	stdout := &capped{max: c.MaxOutput}
	stderr := &capped{max: maxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err = Run(cmd)
	switch {
	case stdout.over:
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrOutputTooLarge, c.MaxOutput)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%w: %s", ErrTimeout, c.Timeout)
	case err != nil:
		return nil, fmt.Errorf("%w: %s", err, lastLine(stderr.buf.String()))
	}
	return stdout.buf.Bytes(), nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// capped is a buffer that stops growing at max and remembers it
// overflowed. The buffer is a field, not embedded: an embedded
// bytes.Buffer's ReadFrom would let io.Copy (which os/exec uses) fill it
// past max without calling Write.
type capped struct {
	buf  bytes.Buffer
	max  int64
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if int64(c.buf.Len()+len(p)) > c.max {
		c.over = true
		return 0, errors.New("output too large")
	}
	return c.buf.Write(p)
}
