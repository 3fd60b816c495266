package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// cmdTimed runs the command given after "--" (a client such as crane), timing
// it and sampling the server's CPU around it. -bytes is the payload the
// command moves, for MiB/s and CPU-s/GiB. A non-zero exit invalidates the run.
// -settle URL: fetched (its first byte) after the command and before the
// CPU is sampled, untimed: a server that still works for the command after
// the command ended (a proxy committing its copy) answers it only then, so
// that work counts in the CPU and not in the wall time.
func cmdTimed(args []string) error {
	fs := flag.NewFlagSet("timed", flag.ExitOnError)
	var cm common
	cm.register(fs)
	size := fs.Int64("bytes", 0, "payload bytes the command moves")
	settle := fs.String("settle", "", "URL fetched after the command, before the CPU sample (untimed)")
	_ = fs.Parse(args)
	cmdline := fs.Args()
	if len(cmdline) == 0 {
		return errors.New("timed: give the command after --")
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
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	runErr := cmd.Run()
	wall := time.Since(start).Seconds()
	if *settle != "" && runErr == nil {
		runErr = settleOn(*settle)
	}
	cpu1, err := pr.cpu()
	if err != nil {
		return err
	}
	r := Record{Figure: cm.figure, Subject: cm.subject, Seconds: wall, CPUs: cpu1 - cpu0, Bytes: *size, Valid: runErr == nil}
	if runErr != nil {
		msg := strings.TrimSpace(out.String())
		if len(msg) > 400 {
			msg = msg[len(msg)-400:]
		}
		r.Err = runErr.Error() + ": " + msg
		_, _ = os.Stderr.Write(out.Bytes())
	}
	if *size > 0 && wall > 0 {
		r.MiBps = float64(*size) / mib / wall
		r.CPUperGiB = r.CPUs / (float64(*size) / gib)
	}
	pr.memory(&r)
	return emit(cm.out, r)
}

// settleOn GETs the first byte of url and checks it answered 2xx.
func settleOn(url string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Range", "bytes=0-0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("settle: GET %s: %s", url, resp.Status)
	}
	return nil
}
