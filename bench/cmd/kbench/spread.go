package main

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// cmdSpread is a closed-loop load generator for several replicas: c workers
// send requests for d, each request to the next base URL in turn (one
// round-robin counter shared by all workers), keep-alive. Mode get fetches
// one path; mode put uploads a body of -size bytes, unique per request (its
// first 16 bytes are a worker and sequence number), to a new name under
// -path ({k} in it names one of -keys repositories by worker). Any answer outside 2xx or transport error invalidates the run.
func cmdSpread(args []string) error {
	fs := flag.NewFlagSet("spread", flag.ExitOnError)
	var cm common
	cm.register(fs)
	urls := fs.String("urls", "", "comma-separated base URLs of the replicas")
	path := fs.String("path", "", "get: the path to fetch; put: the path prefix of new artifacts")
	mode := fs.String("mode", "get", "get or put")
	size := fs.Int("size", 64<<10, "put: body bytes")
	conns := fs.Int("c", 32, "concurrent workers (one keep-alive connection each)")
	dur := fs.Duration("d", 10*time.Second, "duration")
	token := fs.String("token", "", "Bearer token")
	keys := fs.Int("keys", 1, "put: worker w writes where {k} in -path is w mod keys (spread over repositories)")
	dbPIDs := fs.String("db-pids", "", "comma-separated pids of the database server (its backends are their children), measured apart")
	_ = fs.Parse(args)
	bases := strings.Split(*urls, ",")
	if *urls == "" || *path == "" || *conns < 1 || (*mode != "get" && *mode != "put") || *size < 16 || *keys < 1 {
		return errors.New("spread: -urls, -path, -mode get|put, -c >= 1 and -size >= 16 are required")
	}
	pr, err := newProbe(cm.pids)
	if err != nil {
		return err
	}
	db, err := newProbe(*dbPIDs)
	if err != nil {
		return err
	}
	hc := client(*conns)
	hc.Timeout = 30 * time.Second
	var (
		next, moved atomic.Int64
		mu          sync.Mutex
		lat         []time.Duration
		firstErr    error
		wg          sync.WaitGroup
	)
	cpu0, err := pr.cpu()
	if err != nil {
		return err
	}
	db0, err := db.cpu()
	if err != nil {
		return err
	}
	self0 := selfCPU()
	start := time.Now()
	deadline := start.Add(*dur)
	for w := range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body []byte
			if *mode == "put" {
				body = make([]byte, *size)
				_, _ = rand.Read(body)
			}
			var mine []time.Duration
			var err error
			for seq := 0; err == nil && time.Now().Before(deadline); seq++ {
				base := bases[int(next.Add(1)-1)%len(bases)]
				t0 := time.Now()
				var n int64
				n, err = spreadOne(hc, *mode, base, strings.ReplaceAll(*path, "{k}", strconv.Itoa(w%*keys)), *token, body, w, seq)
				mine = append(mine, time.Since(t0))
				moved.Add(n)
			}
			mu.Lock()
			lat = append(lat, mine...)
			if err != nil && firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	self1 := selfCPU()
	cpu1, err := pr.cpu()
	if err != nil {
		return err
	}
	db1, err := db.cpu()
	if err != nil {
		return err
	}
	r := Record{Figure: cm.figure, Subject: cm.subject, Seconds: wall, CPUs: cpu1 - cpu0,
		Requests: int64(len(lat)), Bytes: moved.Load(), ClientCPUs: self1 - self0, DBCPUs: db1 - db0}
	pr.memory(&r)
	r.RPS = float64(r.Requests) / wall
	r.MiBps = float64(r.Bytes) / mib / wall
	if len(lat) > 0 {
		slices.Sort(lat)
		r.P50ms = float64(lat[len(lat)/2].Microseconds()) / 1e3
		r.P99ms = float64(lat[len(lat)*99/100].Microseconds()) / 1e3
		r.CPUusReq = r.CPUs / float64(r.Requests) * 1e6
	}
	r.Valid = firstErr == nil && r.Requests > 0
	if firstErr != nil {
		r.Err = firstErr.Error()
	}
	return emit(cm.out, r)
}

// spreadOne sends one request and returns the body bytes moved.
func spreadOne(hc *http.Client, mode, base, path, token string, body []byte, worker, seq int) (int64, error) {
	method, url := http.MethodGet, base+path
	var rd io.Reader
	if mode == "put" {
		binary.BigEndian.PutUint64(body[0:8], uint64(worker))
		binary.BigEndian.PutUint64(body[8:16], uint64(seq))
		method, url = http.MethodPut, fmt.Sprintf("%s%s/w%d-%d.bin", base, path, worker, seq)
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		resp.Body.Close()
		return 0, fmt.Errorf("%s %s: status %d: %s", method, url, resp.StatusCode, msg)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	if mode == "put" {
		return int64(len(body)), nil
	}
	return n, nil
}
