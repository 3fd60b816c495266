package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/bench"
)

type common struct {
	figure, subject, out, pids string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.figure, "figure", "", "figure name")
	fs.StringVar(&c.subject, "subject", "", "keeper, nginx or reference")
	fs.StringVar(&c.out, "out", "", "append the JSON record to this file")
	fs.StringVar(&c.pids, "pids", "", "comma-separated server pids (children included) to sample CPU and RSS")
}

func client(conns int) *http.Client {
	return &http.Client{
		Timeout: 5 * time.Minute,
		Transport: &http.Transport{
			DisableCompression:  true,
			MaxIdleConnsPerHost: conns,
			ReadBufferSize:      256 << 10,
			WriteBufferSize:     256 << 10,
		},
	}
}

// cmdGet downloads url n times on each of c parallel streams (keep-alive
// connections), checking the status and that every body has its Content-Length.
func cmdGet(args []string) error {
	fs := flag.NewFlagSet("get", flag.ExitOnError)
	var cm common
	cm.register(fs)
	url := fs.String("url", "", "URL to download")
	streams := fs.Int("c", 1, "parallel streams")
	n := fs.Int("n", 10, "downloads per stream")
	_ = fs.Parse(args)
	if *url == "" || *streams < 1 || *n < 1 {
		return errors.New("get: -url, -c >= 1 and -n >= 1 are required")
	}
	pr, err := newProbe(cm.pids)
	if err != nil {
		return err
	}
	hc := client(*streams)
	// One warm-up request opens the connections' path and checks the URL.
	if _, err := download(hc, *url, make([]byte, 256<<10)); err != nil {
		return emit(cm.out, Record{Figure: cm.figure, Subject: cm.subject, Err: "warm-up: " + err.Error()})
	}
	var (
		mu    sync.Mutex
		total int64
		first error
		wg    sync.WaitGroup
	)
	cpu0, err := pr.cpu()
	if err != nil {
		return err
	}
	start := time.Now()
	for range *streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for range *n {
				got, err := download(hc, *url, buf)
				mu.Lock()
				total += got
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	cpu1, err := pr.cpu()
	if err != nil {
		return err
	}
	r := Record{Figure: cm.figure, Subject: cm.subject, Valid: first == nil, Seconds: wall, Bytes: total,
		Requests: int64(*streams * *n), CPUs: cpu1 - cpu0}
	if first != nil {
		r.Err = first.Error()
	}
	r.MiBps = float64(total) / mib / wall
	r.CPUperGiB = r.CPUs / (float64(total) / gib)
	r.Requests = 0 // not a request-rate figure
	pr.memory(&r)
	return emit(cm.out, r)
}

func download(hc *http.Client, url string, buf []byte) (int64, error) {
	resp, err := hc.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var n int64
	for {
		k, rerr := resp.Body.Read(buf)
		n += int64(k)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return n, rerr
		}
	}
	if resp.StatusCode/100 != 2 {
		return n, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("GET %s: got %d of %d bytes", url, n, resp.ContentLength)
	}
	return n, nil
}

// cmdPut uploads n unique bodies (file with fresh leading bytes) one after
// the other to url-prefix/<name>, each expecting a 2xx.
func cmdPut(args []string) error {
	fs := flag.NewFlagSet("put", flag.ExitOnError)
	var cm common
	cm.register(fs)
	prefix := fs.String("url", "", "URL prefix; each upload goes to prefix/<unique name>")
	file := fs.String("file", "", "source file")
	token := fs.String("token", "", "Bearer token")
	n := fs.Int("n", 3, "uploads")
	_ = fs.Parse(args)
	if *prefix == "" || *file == "" || *n < 1 {
		return errors.New("put: -url, -file and -n >= 1 are required")
	}
	pr, err := newProbe(cm.pids)
	if err != nil {
		return err
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
	hc := client(1)
	cpu0, err := pr.cpu()
	if err != nil {
		return err
	}
	var total int64
	var first error
	start := time.Now()
	for i := range *n {
		body, err := bench.UniqueBody(f, fi.Size())
		if err != nil {
			return err
		}
		url := fmt.Sprintf("%s/up-%d-%d.bin", *prefix, time.Now().UnixNano(), i)
		req, err := http.NewRequest(http.MethodPut, url, body)
		if err != nil {
			return err
		}
		req.ContentLength = fi.Size()
		req.Header.Set("Content-Type", "application/octet-stream")
		if *token != "" {
			req.Header.Set("Authorization", "Bearer "+*token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			first = err
			break
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			first = fmt.Errorf("PUT %s: status %d", url, resp.StatusCode)
			break
		}
		total += fi.Size()
	}
	wall := time.Since(start).Seconds()
	cpu1, err := pr.cpu()
	if err != nil {
		return err
	}
	r := Record{Figure: cm.figure, Subject: cm.subject, Valid: first == nil, Seconds: wall, Bytes: total, CPUs: cpu1 - cpu0}
	if first != nil {
		r.Err = first.Error()
	}
	if total > 0 {
		r.MiBps = float64(total) / mib / wall
		r.CPUperGiB = r.CPUs / (float64(total) / gib)
	}
	pr.memory(&r)
	return emit(cm.out, r)
}
