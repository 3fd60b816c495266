package bench

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/e2e/harness"
)

// BenchmarkScan measures scanning with the real Trivy and Grype (from
// .tools/bin, where .ci/scanners.sh installs them, or PATH) against the
// generated offline databases of tools/vulndb, in a real keeper process:
//
//   - throughput: BENCH_SCAN_ARTIFACTS small jars (default 1000) uploaded
//     by 4 clients, only BENCH_SCAN_DISTINCT of them (default 100) distinct
//     content, the rest duplicates under other paths (scanned once by
//     deduplication); artifacts with a verdict per minute, from the first
//     upload to the last verdict, and the scanner runs it took;
//   - time from an upload's 201 to its verdict seen through the API, p50 and
//     p99, for that backlog and for BENCH_SCAN_SINGLE (default 20) uploads
//     one at a time on an idle queue;
//   - upload and download throughput of BENCH_SCAN_XFER_MIB (default 8) MiB
//     files, 8 of each per run, while the scanners work through a backlog of
//     new distinct jars (measured from the moment a scanner has started)
//     against idle, BENCH_SCAN_ROUNDS (default 5) rounds interleaved; the
//     medians and their ratio (target ≥ 0.9).
//
// The load average is printed before and after. Run with -benchtime=1x:
//
//	go test ./bench/ -run '^$' -bench BenchmarkScan -benchtime=1x -timeout 60m
func BenchmarkScan(b *testing.B) {
	env, runs, scanners := scanBenchSetup(b)
	env = append(env, "KEEPER_RATE_LIMIT_PER_IP_REQUESTS=0", "KEEPER_RATE_LIMIT_PER_USER_REQUESTS=0",
		"KEEPER_SCAN_CONCURRENCY="+strconv.Itoa(envInt("BENCH_SCAN_CONCURRENCY", 2)))
	total, distinct := envInt("BENCH_SCAN_ARTIFACTS", 1000), envInt("BENCH_SCAN_DISTINCT", 100)
	for i := 0; i < b.N; i++ {
		b.Logf("load average at start: %s; scanners %v, concurrency %d", loadAvg(), scanners, envInt("BENCH_SCAN_CONCURRENCY", 2))
		k := harness.Start(b, harness.Options{Env: env})
		k.CreateRepo(harness.Repo{Key: "mvn", Format: "maven", Public: true})
		k.CreateRepo(harness.Repo{Key: "bulk", Public: true})
		s := &scanBench{b: b, k: k}

		// Throughput with deduplication: a backlog of total uploads, distinct contents.
		runs0 := runs()
		jobs := make([]scanUpload, total)
		for j := range jobs {
			jobs[j] = scanUpload{path: jarPath("dup", j), body: benchJar(b, "dup", j%distinct)}
		}
		start := time.Now()
		lags, last := s.uploadAndWait(jobs, 4)
		took := last.Sub(start)
		b.Logf("dedup backlog: %d artifacts (%d distinct) with a verdict in %v: %.0f artifacts/min, %.0f distinct scans/min; scanner runs %d (%d scanners × %d distinct)",
			total, distinct, took.Round(time.Millisecond), float64(total)/took.Minutes(), float64(distinct)/took.Minutes(),
			runs()-runs0, len(scanners), distinct)
		b.Logf("dedup backlog: upload 201 → verdict p50 %v p99 %v max %v", pct(lags, 50), pct(lags, 99), pct(lags, 100))
		b.ReportMetric(float64(total)/took.Minutes(), "artifacts/min")
		if n := runs() - runs0; n > len(scanners)*distinct {
			b.Errorf("scanner runs %d for %d distinct contents: deduplication failed", n, distinct)
		}

		// One upload at a time on an idle queue.
		var single []time.Duration
		for j := range envInt("BENCH_SCAN_SINGLE", 20) {
			l, _ := s.uploadAndWait([]scanUpload{{path: jarPath("one", j), body: benchJar(b, "one", j)}}, 1)
			single = append(single, l...)
		}
		b.Logf("single uploads on an idle queue (%d): upload 201 → verdict p50 %v p99 %v", len(single), pct(single, 50), pct(single, 99))
		b.ReportMetric(float64(pct(single, 50).Milliseconds()), "verdict-p50-ms")

		// Transfers while the scanners work against idle.
		mib := envInt("BENCH_SCAN_XFER_MIB", 8)
		var idleUp, busyUp, idleDown, busyDown []float64
		for r := range envInt("BENCH_SCAN_ROUNDS", 5) {
			u, d := s.transfer(fmt.Sprintf("idle%d/", r), mib)
			idleUp, idleDown = append(idleUp, u), append(idleDown, d)
			backlog := make([]scanUpload, envInt("BENCH_SCAN_BUSY_BACKLOG", 12))
			for j := range backlog {
				backlog[j] = scanUpload{path: jarPath(fmt.Sprintf("busy%d-", r), j), body: benchJar(b, fmt.Sprintf("busy%d-", r), j)}
			}
			runsBefore := runs()
			s.upload(backlog, 4)
			// Transfer once a scanner is at work (its wrapper logged a
			// start), not while the queue is still being claimed.
			for deadline := time.Now().Add(time.Minute); runs() == runsBefore && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
			}
			runsBefore = runs()
			u, d = s.transfer(fmt.Sprintf("busy%d/", r), mib)
			busyUp, busyDown = append(busyUp, u), append(busyDown, d)
			left := s.queued()
			b.Logf("round %d: idle up %.1f down %.1f MiB/s; while scanning up %.1f down %.1f MiB/s (%d more scanner runs started during it, %d still queued after); load %s",
				r, idleUp[r], idleDown[r], u, d, runs()-runsBefore, left, loadAvg())
			if left == 0 {
				b.Logf("round %d: the scanners finished before the transfers did; raise BENCH_SCAN_BUSY_BACKLOG", r)
			}
			s.waitIdle()
		}
		mu, md := median(idleUp), median(idleDown)
		bu, bd := median(busyUp), median(busyDown)
		b.Logf("transfers (%d MiB files, medians of %d rounds): upload idle %.1f, scanning %.1f MiB/s (%.2f×); download idle %.1f, scanning %.1f MiB/s (%.2f×)",
			mib, len(idleUp), mu, bu, bu/mu, md, bd, bd/md)
		b.ReportMetric(bu/mu, "upload-ratio")
		b.ReportMetric(bd/md, "download-ratio")
		b.Logf("load average at end: %s", loadAvg())
		if err := k.Stop(); err != nil {
			b.Logf("stop: %v", err)
		}
	}
}

type scanUpload struct {
	path string
	body []byte
}

type scanBench struct {
	b *testing.B
	k *harness.Keeper
}

func jarPath(prefix string, j int) string {
	a := prefix + strconv.Itoa(j)
	return fmt.Sprintf("com/example/%s/1.0.0/%s-1.0.0.jar", a, a)
}

// benchJar is a small jar whose pom.properties names com.example:vuln-demo,
// vulnerable (1.0.n) for even n and fixed (1.1.n) for odd n; the same
// prefix and n give the same bytes.
func benchJar(tb testing.TB, prefix string, n int) []byte {
	v := "1.0." + strconv.Itoa(n)
	if n%2 == 1 {
		v = "1.1." + strconv.Itoa(n)
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{
		{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nImplementation-Title: vuln-demo\r\nImplementation-Version: " + v + "\r\n\r\n"},
		{"META-INF/maven/com.example/vuln-demo/pom.properties", "groupId=com.example\nartifactId=vuln-demo\nversion=" + v + "\n"},
		{"com/example/" + prefix + "/Demo.class", "\xca\xfe\xba\xbe"},
	} {
		fw, err := w.Create(f.name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := fw.Write([]byte(f.body)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// upload PUTs jobs with workers clients and returns each one's 201 time.
func (s *scanBench) upload(jobs []scanUpload, workers int) []time.Time {
	acked := make([]time.Time, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range next {
				r, err := s.k.Call(http.MethodPut, "/maven/mvn/"+jobs[j].path, bytes.NewReader(jobs[j].body))
				if err != nil || r.Status != http.StatusCreated {
					s.b.Errorf("upload %s: %v %v", jobs[j].path, r, err)
					continue
				}
				acked[j] = time.Now()
			}
		})
	}
	for j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	return acked
}

// uploadAndWait uploads jobs and polls the scan reports until every one has
// a verdict; it returns each upload's time from 201 to its verdict seen, and
// when the last verdict was seen.
func (s *scanBench) uploadAndWait(jobs []scanUpload, workers int) ([]time.Duration, time.Time) {
	poll := 20 * time.Millisecond
	if len(jobs) > 1 {
		poll = 250 * time.Millisecond // the report list costs the server more with every artifact
	}
	want := map[string]int{}
	for j, u := range jobs {
		want[u.path] = j
	}
	seen := make([]time.Time, len(jobs))
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		left := len(jobs)
		deadline := time.Now().Add(30 * time.Minute)
		for left > 0 {
			if time.Now().After(deadline) {
				s.b.Errorf("%d of %d artifacts without a verdict after 30 minutes", left, len(jobs))
				return
			}
			now, verdicts := s.verdicts(len(jobs) == 1, jobs[0].path)
			mu.Lock()
			for _, p := range verdicts {
				if j, ok := want[p]; ok && seen[j].IsZero() {
					seen[j] = now
					left--
				}
			}
			mu.Unlock()
			time.Sleep(poll)
		}
	}()
	acked := s.upload(jobs, workers)
	<-done
	lags := make([]time.Duration, 0, len(jobs))
	var last time.Time
	for j := range jobs {
		if seen[j].IsZero() || acked[j].IsZero() {
			continue
		}
		lags = append(lags, max(0, seen[j].Sub(acked[j])))
		if seen[j].After(last) {
			last = seen[j]
		}
	}
	return lags, last
}

// verdicts returns the paths of repository mvn with a verdict (only path
// when one is set), and when the answer came.
func (s *scanBench) verdicts(one bool, path string) (time.Time, []string) {
	var out []string
	if one {
		r, err := s.k.Call(http.MethodGet, "/api/v1/security/findings?"+url.Values{"repository": {"mvn"}, "path": {path}}.Encode(), nil)
		now := time.Now()
		var rep struct {
			Status string `json:"status"`
		}
		if err == nil && r.Status == http.StatusOK && r.JSON(&rep) == nil && verdict(rep.Status) {
			out = append(out, path)
		}
		return now, out
	}
	r, err := s.k.Call(http.MethodGet, "/api/v1/security/scans?repository=mvn", nil)
	now := time.Now()
	if err != nil || r.Status != http.StatusOK {
		return now, nil
	}
	var page struct {
		Items []struct {
			Path   string `json:"path"`
			Status string `json:"status"`
		} `json:"items"`
	}
	if err := r.JSON(&page); err != nil {
		s.b.Fatal(err)
	}
	for _, it := range page.Items {
		if verdict(it.Status) {
			out = append(out, it.Path)
		}
	}
	return now, out
}

func verdict(status string) bool {
	return status == "done" || status == "failed" || status == "not_scanned"
}

// queued counts the digests pending or being scanned.
func (s *scanBench) queued() int {
	r, err := s.k.Call(http.MethodGet, "/api/v1/security/dashboard", nil)
	if err != nil || r.Status != http.StatusOK {
		s.b.Fatalf("dashboard: %v %v", r, err)
	}
	var d struct {
		Queue map[string]int `json:"queue"`
	}
	if err := r.JSON(&d); err != nil {
		s.b.Fatal(err)
	}
	return d.Queue["pending"] + d.Queue["running"]
}

func (s *scanBench) waitIdle() {
	deadline := time.Now().Add(15 * time.Minute)
	for s.queued() > 0 {
		if time.Now().After(deadline) {
			s.b.Fatal("the scan queue did not drain in 15 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// transfer uploads 8 new files of mib MiB to the generic repository, one at
// a time, then downloads them, and returns both in MiB/s.
func (s *scanBench) transfer(prefix string, mib int) (up, down float64) {
	const n = 8
	bodies := make([][]byte, n)
	for j := range bodies {
		bodies[j] = randomBytes(s.b, mib<<20)
	}
	t0 := time.Now()
	for j, body := range bodies {
		r, err := s.k.Upload("bulk", prefix+strconv.Itoa(j), body)
		if err != nil || r.Status != http.StatusCreated {
			s.b.Fatalf("upload: %v %v", r, err)
		}
	}
	up = float64(n*mib) / time.Since(t0).Seconds()
	t0 = time.Now()
	for j := range bodies {
		r, err := s.k.Download("bulk", prefix+strconv.Itoa(j))
		if err != nil || r.Status != http.StatusOK || len(r.Body) != mib<<20 {
			s.b.Fatalf("download: %v %v", r, err)
		}
	}
	down = float64(n*mib) / time.Since(t0).Seconds()
	return up, down
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// scanBenchSetup writes the offline databases (one advisory: every
// com.example:vuln-demo below 1.1.0) and wrappers that count the scanner
// runs; it skips when the scanners or the generator are missing.
func scanBenchSetup(b *testing.B) (env []string, runs func() int, scanners []string) {
	root, err := harness.ModuleRoot()
	if err != nil {
		b.Fatal(err)
	}
	tool := func(name string) string {
		if p := filepath.Join(root, ".tools", "bin", name); fileExists(p) {
			return p
		}
		p, _ := exec.LookPath(name)
		return p
	}
	trivy, grype, vulndb := tool("trivy"), tool("grype"), tool("keeper-vulndb")
	if vulndb == "" || (trivy == "" && grype == "") {
		b.Skip("scan bench: no scanner or no database generator (run .ci/scanners.sh)")
	}
	dir := b.TempDir()
	trivyDir, grypeBuild, grypeDir := filepath.Join(dir, "trivy"), filepath.Join(dir, "grype-build"), filepath.Join(dir, "grype")
	adv, _ := json.Marshal([]map[string]any{{"id": "CVE-2099-0003", "ecosystem": "maven", "package": "com.example:vuln-demo",
		"vulnerable": "<1.1.0", "fixed": "1.1.0", "severity": "HIGH", "title": "planted jar vulnerability"}})
	advFile := filepath.Join(dir, "advisories.json")
	if err := os.WriteFile(advFile, adv, 0o644); err != nil {
		b.Fatal(err)
	}
	if out, err := exec.Command(vulndb, "-advisories", advFile, "-trivy", trivyDir, "-grype", grypeBuild).CombinedOutput(); err != nil {
		b.Fatalf("vulndb: %v\n%s", err, out)
	}
	if grype != "" {
		imp := exec.Command(grype, "db", "import", filepath.Join(grypeBuild, "vulnerability.db"))
		imp.Env = append(os.Environ(), "GRYPE_DB_CACHE_DIR="+grypeDir, "GRYPE_CHECK_FOR_APP_UPDATE=false")
		if out, err := imp.CombinedOutput(); err != nil {
			b.Fatalf("grype db import: %v\n%s", err, out)
		}
	}
	count := filepath.Join(dir, "runs")
	wrap := func(name, prog string) string {
		p := filepath.Join(dir, "run-"+name)
		script := fmt.Sprintf("#!/bin/sh\necho %s >> %q\nexec %q \"$@\"\n", name, count, prog)
		if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
			b.Fatal(err)
		}
		return p
	}
	env = []string{"KEEPER_SCAN_TRIVY_CACHE_DIR=" + trivyDir, "KEEPER_SCAN_GRYPE_DB_DIR=" + grypeDir, "KEEPER_SCAN_POLL=50ms",
		"KEEPER_SCAN_TRIVY_PATH=" + filepath.Join(dir, "absent"), "KEEPER_SCAN_GRYPE_PATH=" + filepath.Join(dir, "absent")}
	if trivy != "" {
		env = append(env, "KEEPER_SCAN_TRIVY_PATH="+wrap("trivy", trivy))
		scanners = append(scanners, "trivy")
	}
	if grype != "" {
		env = append(env, "KEEPER_SCAN_GRYPE_PATH="+wrap("grype", grype))
		scanners = append(scanners, "grype")
	}
	runs = func() int {
		b, _ := os.ReadFile(count)
		return strings.Count(string(b), "\n")
	}
	return env, runs, scanners
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
