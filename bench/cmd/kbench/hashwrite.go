package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/keeper-registry/keeper/bench"
)

// cmdHashWrite runs the upload limit: n unique bodies of file written to new
// files under dir with sha256 in one pass and fsync, timed together; its own
// CPU (getrusage) is the reference's CPU. The files are removed afterwards.
func cmdHashWrite(args []string) error {
	fs := flag.NewFlagSet("hashwrite", flag.ExitOnError)
	var cm common
	cm.register(fs)
	file := fs.String("file", "", "source file")
	dir := fs.String("dir", "", "directory for the written files (same filesystem as keeper's data dir)")
	n := fs.Int("n", 3, "bodies")
	_ = fs.Parse(args)
	if *file == "" || *dir == "" || *n < 1 {
		return errors.New("hashwrite: -file, -dir and -n >= 1 are required")
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	var written []string
	defer func() {
		for _, p := range written {
			_ = os.Remove(p)
		}
	}()
	cpu0 := selfCPU()
	var total int64
	var first error
	start := time.Now()
	for i := range *n {
		body, err := bench.UniqueBody(f, fi.Size())
		if err != nil {
			return err
		}
		dst := filepath.Join(*dir, fmt.Sprintf("hw-%d-%d", time.Now().UnixNano(), i))
		written = append(written, dst)
		_, k, err := bench.HashWrite(dst, body)
		total += k
		if err != nil {
			first = err
			break
		}
	}
	wall := time.Since(start).Seconds()
	r := Record{Figure: cm.figure, Subject: cm.subject, Valid: first == nil, Seconds: wall, Bytes: total, CPUs: selfCPU() - cpu0}
	if first != nil {
		r.Err = first.Error()
	}
	r.MiBps = float64(total) / mib / wall
	r.CPUperGiB = r.CPUs / (float64(total) / gib)
	return emit(cm.out, r)
}

func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}
