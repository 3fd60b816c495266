package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// cmdWrk runs the wrk command line given after "--" (with --latency), samples
// the server's CPU around it, and records req/s, p50, p99 and CPU per request.
// Socket errors or non-2xx/3xx responses invalidate the run.
func cmdWrk(args []string) error {
	fs := flag.NewFlagSet("wrk", flag.ExitOnError)
	var cm common
	cm.register(fs)
	_ = fs.Parse(args)
	cmdline := fs.Args()
	if len(cmdline) == 0 {
		return errors.New("wrk: give the wrk command after --")
	}
	pr, err := newProbe(cm.pids)
	if err != nil {
		return err
	}
	cpu0, err := pr.cpu()
	if err != nil {
		return err
	}
	var out bytes.Buffer
	cmd := exec.Command(cmdline[0], cmdline[1:]...)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	start := time.Now()
	runErr := cmd.Run()
	wall := time.Since(start).Seconds()
	cpu1, err := pr.cpu()
	if err != nil {
		return err
	}
	r := Record{Figure: cm.figure, Subject: cm.subject, Seconds: wall, CPUs: cpu1 - cpu0}
	pr.memory(&r)
	if runErr != nil {
		r.Err = "wrk: " + runErr.Error()
		return emit(cm.out, r)
	}
	w, err := parseWrk(out.String())
	if err != nil {
		r.Err = err.Error()
		return emit(cm.out, r)
	}
	r.Requests, r.RPS, r.P50ms, r.P99ms = w.requests, w.rps, w.p50, w.p99
	if w.requests > 0 {
		r.CPUusReq = r.CPUs / float64(w.requests) * 1e6
		if r.CPUusReq > 0 {
			r.RPSCore = 1e6 / r.CPUusReq
		}
	}
	r.Valid = w.bad == "" && w.requests > 0
	r.Err = w.bad
	return emit(cm.out, r)
}

type wrkResult struct {
	requests      int64
	rps, p50, p99 float64 // p50 and p99 in milliseconds
	bad           string
}

// parseWrk reads wrk 4's text output.
func parseWrk(s string) (wrkResult, error) {
	var w wrkResult
	var haveRPS, haveP99 bool
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return w, fmt.Errorf("wrk: %q: %w", line, err)
			}
			w.rps, haveRPS = v, true
		case len(f) == 2 && (f[0] == "50%" || f[0] == "99%"):
			v, err := parseDuration(f[1])
			if err != nil {
				return w, err
			}
			if f[0] == "50%" {
				w.p50 = v
			} else {
				w.p99, haveP99 = v, true
			}
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return w, fmt.Errorf("wrk: %q: %w", line, err)
			}
			w.requests = n
		case strings.HasPrefix(strings.TrimSpace(line), "Socket errors:"):
			w.bad = strings.TrimSpace(line)
		case strings.HasPrefix(strings.TrimSpace(line), "Non-2xx or 3xx responses:"):
			w.bad = strings.TrimSpace(line)
		}
	}
	if !haveRPS || !haveP99 {
		return w, fmt.Errorf("wrk: no Requests/sec or 99%% line (run it with --latency):\n%s", s)
	}
	return w, nil
}

// parseDuration converts wrk's "812.00us", "1.23ms", "2.00s", "1.00m" to milliseconds.
func parseDuration(s string) (float64, error) {
	for _, u := range []struct {
		suffix string
		ms     float64
	}{{"us", 1e-3}, {"ms", 1}, {"s", 1e3}, {"m", 60e3}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, fmt.Errorf("wrk: duration %q: %w", s, err)
			}
			return x * u.ms, nil
		}
	}
	return 0, fmt.Errorf("wrk: duration %q: unknown unit", s)
}
