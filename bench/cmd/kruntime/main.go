package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const password = "Bench-Runtime-Passw0rd"

func main() {
	bin := flag.String("keeper", "bin/keeper", "keeper binary")
	module := flag.String("module", "adapters/wasm/builtin/wasm/generic.wasm", "built-in module copied under 45 keys")
	copies := flag.Int("plugins", 45, "installed plugins")
	runs := flag.Int("runs", 3, "start-up runs per case (0 skips start-up)")
	firsts := flag.Int("firsts", 9, "first requests to released plugins")
	var variants multiFlag
	flag.Var(&variants, "serve", "environment for one serving run, e.g. \"KEEPER_PLUGINS_MAX_LOADED=8\" (repeatable; default: one run as configured)")
	flag.Parse()
	if len(variants) == 0 {
		variants = multiFlag{""}
	}
	if err := run(*bin, *module, *copies, *runs, *firsts, variants); err != nil {
		fmt.Fprintln(os.Stderr, "kruntime:", err)
		os.Exit(1)
	}
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, "; ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func run(bin, modulePath string, copies, runs, nfirst int, variants []string) error {
	work, err := os.MkdirTemp("", "kruntime-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Printf("| figure | value | target |\n|---|---|---|\n")

	// Start-up: a first start (new database, empty compile cache), then
	// restarts with the cache emptied and with it warm.
	data := filepath.Join(work, "data")
	var first, empty, warm []time.Duration
	for i := 0; i < runs; i++ { // start-up
		os.RemoveAll(data)
		k, err := start(bin, data, nil)
		if err != nil {
			return err
		}
		first = append(first, k.ready)
		k.stop()
		os.RemoveAll(filepath.Join(data, "cache"))
		if k, err = start(bin, data, nil); err != nil {
			return err
		}
		empty = append(empty, k.ready)
		k.waitWarm(2 * time.Minute)
		k.stop()
		if k, err = start(bin, data, nil); err != nil {
			return err
		}
		warm = append(warm, k.ready)
		k.stop()
	}
	if runs > 0 {
		row("ready, first start (new database, empty compile cache)", spread(first), "< 1 s")
		row("ready, restart with an empty compile cache", spread(empty), "< 1 s")
		row("ready, restart with a warm compile cache", spread(warm), "< 0.5 s")
	}

	// Memory: short idle timeouts so "idle" is reached within the run.
	env := []string{"KEEPER_PLUGINS_IDLE_INSTANCE_TTL=3s", "KEEPER_PLUGINS_IDLE_MODULE_TTL=8s"}
	k, err := start(bin, data, env)
	if err != nil {
		return err
	}
	defer func() { k.stop() }()
	// Idle: past the runtime's forced GC (every 2 minutes), which hands back
	// what logging in (argon2, 64 MiB) and start-up allocated.
	time.Sleep(130 * time.Second)
	row("RSS idle, 8 built-ins", mibs(k.rss()), "< 150 MiB")

	mod, err := os.ReadFile(modulePath)
	if err != nil {
		return err
	}
	keys := make([]string, copies)
	for i := range keys {
		keys[i] = fmt.Sprintf("g%06d", i) // as long as "generic": the module's layout is kept
		if err := k.install(bytes.ReplaceAll(mod, []byte("generic"), []byte(keys[i]))); err != nil {
			return fmt.Errorf("install %s: %w", keys[i], err)
		}
		if err := k.createRepo("r"+keys[i], keys[i]); err != nil {
			return err
		}
	}
	time.Sleep(130 * time.Second)
	row(fmt.Sprintf("RSS idle, %d installed plugins + 8 built-ins", copies), mibs(k.rss()), "< 250 MiB")

	// First request to a plugin not loaded (released when idle): from the cache.
	// Wall time depends on the machine's load; the server's CPU for the
	// request (10 ms ticks) is the part keeper controls.
	var firsts, cpus []time.Duration
	for _, key := range keys[:min(nfirst, len(keys))] {
		t0, c0 := time.Now(), k.cpu()
		if err := k.put("/"+key+"/r"+key+"/first.txt", []byte("x")); err != nil {
			return err
		}
		firsts, cpus = append(firsts, time.Since(t0)), append(cpus, k.cpu()-c0)
	}
	row("first request to a released plugin (compile cache)", spread(firsts)+", server CPU "+spread(cpus), "< 200 ms")

	// All serve at once, once per variant (a fresh process with its environment).
	for i, v := range variants {
		if i > 0 || v != "" {
			k.stop()
			if k, err = start(bin, data, append(append([]string{}, env...), strings.Fields(v)...)); err != nil {
				return err
			}
		}
		if err := serve(k, keys, i, v); err != nil {
			return err
		}
	}
	return nil
}

// serve has 4 clients per plugin upload to all of them at once for 15 s and
// prints the peak RSS with the uploads done and the answers shed.
func serve(k *keeper, keys []string, run int, variant string) error {
	peak := 0.0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	var calls, shed int64
	served := map[string]bool{} // plugins that took at least one upload
	var mu sync.Mutex
	for _, key := range keys {
		for c := 0; c < 4; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					p := fmt.Sprintf("/%s/r%s/run%d/c%d/f%d.txt", key, key, run, c, i)
					err := k.put(p, []byte(p))
					if errors.Is(err, errShed) { // 503 + Retry-After: a client retries
						mu.Lock()
						shed++
						mu.Unlock()
						time.Sleep(100 * time.Millisecond)
						continue
					}
					if err != nil {
						select {
						case errs <- err:
						default:
						}
						return
					}
					mu.Lock()
					calls++
					served[key] = true
					mu.Unlock()
				}
			}()
		}
	}
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		peak = max(peak, k.rss())
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		return fmt.Errorf("under load: %w", err)
	default:
	}
	if variant == "" {
		variant = "as configured"
	}
	row(fmt.Sprintf("RSS peak, %d plugins serving (%s): %d uploads in 15 s by %d plugins, %d answers 503 + Retry-After",
		len(keys), variant, calls, len(served), shed), mibs(peak), "< 400 MiB")
	return nil
}

func row(figure, value, target string) { fmt.Printf("| %s | %s | %s |\n", figure, value, target) }

func mibs(b float64) string { return fmt.Sprintf("%.0f MiB", b/(1<<20)) }

func spread(ds []time.Duration) string {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return fmt.Sprintf("%s (%s–%s)", ds[len(ds)/2].Round(time.Millisecond), ds[0].Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond))
}

type keeper struct {
	cmd   *exec.Cmd
	url   string
	data  string
	token string
	ready time.Duration
	log   *os.File
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start(bin, data string, env []string) (*keeper, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(data, "keeper.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data-dir", data)
	cmd.Env = append(append(os.Environ(), "KEEPER_ADMIN_PASSWORD="+password), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	k := &keeper{cmd: cmd, url: "http://" + addr, data: data, log: logf}
	for {
		resp, err := http.Get(k.url + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Since(t0) > 2*time.Minute {
			k.stop()
			return nil, fmt.Errorf("keeper not ready after 2 minutes (log: %s)", logf.Name())
		}
		time.Sleep(5 * time.Millisecond)
	}
	k.ready = time.Since(t0)
	return k, k.login()
}

func (k *keeper) stop() {
	_ = k.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = k.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = k.cmd.Process.Kill()
		<-done
	}
	k.log.Close()
}

// rss is the process's resident set in bytes.
func (k *keeper) rss() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", k.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb * 1024
		}
	}
	return 0
}

// cpu is the process's user+system CPU time (clock ticks of 10 ms).
func (k *keeper) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", k.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}

// waitWarm waits until the background warm-up compiled every built-in.
func (k *keeper) waitWarm(limit time.Duration) {
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		b, _ := os.ReadFile(k.log.Name())
		if strings.Count(string(b), "compiled into the cache") >= 8 {
			return
		}
	}
}

func (k *keeper) do(method, path string, body []byte, ctype string) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, k.url+path, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	if k.token != "" {
		req.Header.Set("Authorization", "Bearer "+k.token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return out, resp.StatusCode, err
}

func (k *keeper) login() error {
	b, code, err := k.do("POST", "/api/v1/auth/login", []byte(`{"username":"admin","password":"`+password+`"}`), "application/json")
	if err != nil || code != 200 {
		return fmt.Errorf("login: %d %s %v", code, b, err)
	}
	var r struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	k.token = r.AccessToken
	return nil
}

func (k *keeper) install(module []byte) error {
	b, code, err := k.do("POST", "/api/v1/plugins", module, "application/wasm")
	if err != nil || code/100 != 2 {
		return fmt.Errorf("%d %s %v", code, b, err)
	}
	return nil
}

func (k *keeper) createRepo(key, format string) error {
	body := fmt.Sprintf(`{"key":%q,"format":%q,"repo_type":"local","is_public":true}`, key, format)
	b, code, err := k.do("POST", "/api/v1/repositories", []byte(body), "application/json")
	if err != nil || code/100 != 2 {
		return fmt.Errorf("create repository %s: %d %s %v", key, code, b, err)
	}
	return nil
}

// errShed is a 503 answer: the server shed the request, the client retries.
var errShed = errors.New("503")

func (k *keeper) put(path string, body []byte) error {
	b, code, err := k.do("PUT", path, body, "application/octet-stream")
	if err == nil && code == http.StatusServiceUnavailable {
		return errShed
	}
	if err != nil || code/100 != 2 {
		return fmt.Errorf("PUT %s: %d %s %v", path, code, b, err)
	}
	return nil
}
