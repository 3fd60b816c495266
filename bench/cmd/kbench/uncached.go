package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// cmdUncached measures GETs that miss keeper's plugin-response cache. The
// cache is keyed by repository generation and every committed write bumps
// it, so the loop alternates a tiny write elsewhere in the same repository
// (-write-*, bodies alternate so every write changes something) with one GET
// of the measured document, on one connection. Latency is that of the GETs
// alone. Server CPU per uncached GET is (CPU of n write+GET pairs − CPU of n
// writes alone) / n: both phases run in this command, writes-only first.
func cmdUncached(args []string) error {
	fs := flag.NewFlagSet("uncached", flag.ExitOnError)
	var cm common
	cm.register(fs)
	get := fs.String("get", "", "URL of the measured document")
	accept := fs.String("accept", "", "Accept header of the GET")
	wm := fs.String("write-method", "PUT", "method of the write")
	wu := fs.String("write-url", "", "URL of the write")
	wb := fs.String("write-bodies", "", "bodies of the write, separated by '|', used in turn")
	wct := fs.String("write-type", "application/json", "Content-Type of the write")
	auth := fs.String("auth", "", "Authorization header value of the writes (GETs are anonymous, like wrk's)")
	n := fs.Int("n", 300, "write+GET pairs (and writes alone)")
	_ = fs.Parse(args)
	if *get == "" || *wu == "" || *wb == "" || *n < 2 {
		return errors.New("uncached: -get, -write-url, -write-bodies and -n >= 2 are required")
	}
	pr, err := newProbe(cm.pids)
	if err != nil {
		return err
	}
	bodies := strings.Split(*wb, "|")
	hc := client(1)
	write := func(i int) error {
		return send(hc, *wm, *wu, *wct, *auth, []byte(bodies[i%len(bodies)]))
	}
	fetch := func() (time.Duration, error) {
		req, err := http.NewRequest(http.MethodGet, *get, nil)
		if err != nil {
			return 0, err
		}
		if *accept != "" {
			req.Header.Set("Accept", *accept)
		}
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode/100 != 2 {
			return 0, fmt.Errorf("GET %s: status %d", *get, resp.StatusCode)
		}
		return d, nil
	}
	r := Record{Figure: cm.figure, Subject: cm.subject}
	fail := func(err error) error {
		r.Err = err.Error()
		return emit(cm.out, r)
	}
	// Warm-up: both requests once.
	if err := write(1); err != nil {
		return fail(err)
	}
	if _, err := fetch(); err != nil {
		return fail(err)
	}
	c0, err := pr.cpu()
	if err != nil {
		return err
	}
	for i := range *n {
		if err := write(i); err != nil {
			return fail(err)
		}
	}
	c1, err := pr.cpu()
	if err != nil {
		return err
	}
	lat := make([]float64, 0, *n)
	start := time.Now()
	var getTotal time.Duration
	for i := range *n {
		if err := write(i); err != nil {
			return fail(err)
		}
		d, err := fetch()
		if err != nil {
			return fail(err)
		}
		getTotal += d
		lat = append(lat, float64(d.Microseconds())/1e3)
	}
	r.Seconds = time.Since(start).Seconds()
	c2, err := pr.cpu()
	if err != nil {
		return err
	}
	sort.Float64s(lat)
	r.Valid = true
	r.Requests = int64(*n)
	r.CPUs = (c2 - c1) - (c1 - c0)
	r.CPUusReq = r.CPUs / float64(*n) * 1e6
	if r.CPUusReq > 0 {
		r.RPSCore = 1e6 / r.CPUusReq
	}
	r.RPS = float64(*n) / getTotal.Seconds() // one connection: 1 / mean GET latency
	r.P50ms = lat[len(lat)/2]
	r.P99ms = lat[min(len(lat)-1, len(lat)*99/100)]
	pr.memory(&r)
	return emit(cm.out, r)
}
