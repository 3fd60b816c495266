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
// With -then-url the writes alternate between the write and its undo (an
// upload to the measured project and the DELETE of that file, so every GET
// follows a change of the measured document's own listing); the writes-only
// phase alternates alike, so the subtraction removes both kinds' cost.
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
	wheel := fs.String("write-wheel", "", "NAME@VERSION: the write uploads this wheel (a twine-style multipart POST to -write-url) instead of -write-bodies")
	thenMethod := fs.String("then-method", "DELETE", "method of -then-url")
	thenURL := fs.String("then-url", "", "writes alternate between -write-url and this request without a body (undoing the write, e.g. a DELETE of the uploaded file)")
	auth := fs.String("auth", "", "Authorization header value of the writes (GETs are anonymous, like wrk's)")
	n := fs.Int("n", 300, "write+GET pairs (and writes alone)")
	_ = fs.Parse(args)
	if *get == "" || *wu == "" || *wb == "" && *wheel == "" || *n < 2 {
		return errors.New("uncached: -get, -write-url, -write-bodies or -write-wheel, and -n >= 2 are required")
	}
	if *thenURL != "" && *n%2 != 0 {
		return errors.New("uncached: -then-url needs an even -n (both phases then write and undo alike)")
	}
	pr, err := newProbe(cm.pids)
	if err != nil {
		return err
	}
	bodies := strings.Split(*wb, "|")
	ctype := *wct
	if *wheel != "" {
		name, v, ok := strings.Cut(*wheel, "@")
		if !ok {
			return errors.New("uncached: -write-wheel is NAME@VERSION")
		}
		form, ft, err := wheelForm(name, v)
		if err != nil {
			return err
		}
		bodies, ctype = []string{string(form)}, ft
	}
	hc := client(1)
	writes := 0 // with -then-url, even writes write and odd ones undo
	write := func(i int) error {
		if *thenURL != "" {
			writes++
			if writes%2 == 0 {
				return send(hc, *thenMethod, *thenURL, "", *auth, nil)
			}
		}
		return send(hc, *wm, *wu, ctype, *auth, []byte(bodies[i%len(bodies)]))
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
	// Warm-up: both requests once (the write and its undo with -then-url).
	for range 1 + min(len(*thenURL), 1) {
		if err := write(1); err != nil {
			return fail(err)
		}
		if _, err := fetch(); err != nil {
			return fail(err)
		}
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
	if writes%2 == 1 { // leave the store as found: the last upload undone
		if err := write(0); err != nil {
			return fail(err)
		}
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
