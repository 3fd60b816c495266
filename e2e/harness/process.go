package harness

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// AdminPassword is the bootstrap admin password Start uses unless Options says otherwise.
const AdminPassword = "e2e-admin-password"

// Options configure a keeper process.
type Options struct {
	// DataDir is the data directory; empty means a fresh t.TempDir().
	DataDir string
	// DB selects the database; the zero value is SQLite in DataDir.
	DB DB
	// Env adds KEEPER_* (or any) variables, "KEY=VALUE". KEEPER_* variables of
	// the test's own environment are not passed on.
	Env []string
	// Args are extra flags after "serve" (--listen and --data-dir are set by Start).
	Args []string
	// AdminPassword defaults to AdminPassword.
	AdminPassword string
	// ReadyTimeout bounds the wait for the ready line; default 5 minutes (a
	// first start compiles every built-in plugin).
	ReadyTimeout time.Duration
	// NoLogin skips logging in as admin after the start.
	NoLogin bool
	// TrustCert names a PEM certificate (relative paths are in the data
	// dir) that HTTP trusts once the server is ready, for a server speaking
	// HTTPS with a certificate it made itself.
	TrustCert string
	// Wrap runs keeper through a command that execs it, e.g.
	// ["ip", "netns", "exec", "ns1"] to start it in a network namespace.
	Wrap []string
}

// Keeper is one keeper server (across restarts, on the same data dir).
type Keeper struct {
	t    testing.TB
	opts Options
	bin  string

	// URL is the base URL, e.g. http://127.0.0.1:34567 (changes on restart).
	URL string
	// Token is an admin access token (refreshed on restart).
	Token string
	// DataDir is the data directory.
	DataDir string
	// HTTP is the client helpers use.
	HTTP *http.Client

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when the current process has exited
	werr error         // its Wait error
	logs []*logBuffer  // stderr of every process run so far
}

// Start builds keeper if needed, starts `keeper serve` on a free loopback
// port and waits for it to be ready; the process is killed when t ends, and
// its stderr goes into the test log if t failed.
func Start(t testing.TB, opts Options) *Keeper {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	if opts.AdminPassword == "" {
		opts.AdminPassword = AdminPassword
	}
	if opts.ReadyTimeout == 0 {
		opts.ReadyTimeout = 5 * time.Minute
	}
	warmPluginCache(t)
	k := &Keeper{t: t, opts: opts, bin: Build(t), DataDir: opts.DataDir,
		HTTP: &http.Client{Timeout: 5 * time.Minute}}
	t.Cleanup(func() {
		k.Kill()
		if t.Failed() {
			k.dumpLogs()
		}
		k.HTTP.CloseIdleConnections()
	})
	k.start()
	return k
}

var warmOnce sync.Once

// warmPluginCache starts and stops one keeper before any test's own, so the
// shared compilation cache is filled once instead of by every parallel test
// compiling every plugin at the same time.
func warmPluginCache(t testing.TB) {
	warmOnce.Do(func() {
		k := &Keeper{t: t, opts: Options{DataDir: mustTempDir(t), AdminPassword: AdminPassword, NoLogin: true,
			ReadyTimeout: 10 * time.Minute}, bin: Build(t), HTTP: &http.Client{Timeout: time.Minute}}
		k.DataDir = k.opts.DataDir
		k.start()
		k.Kill()
		_ = os.RemoveAll(k.DataDir)
	})
}

func mustTempDir(t testing.TB) string {
	d, err := os.MkdirTemp("", "keeper-e2e-warm-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Env returns the environment the process runs with (KEEPER_* from Options).
func (k *Keeper) Env() []string {
	env := BaseEnv()
	env = append(env, "KEEPER_ADMIN_PASSWORD="+k.opts.AdminPassword)
	if dir := pluginCache(); dir != "" {
		// Every process of the test binary shares compiled plugins, so only the
		// first start pays for compiling them.
		env = append(env, "KEEPER_PLUGINS_CACHE_DIR="+dir)
	}
	if k.opts.DB.URL != "" {
		env = append(env, "KEEPER_DATABASE_URL="+k.opts.DB.URL)
		// Replicas of one database must share the key that seals its secrets
		// (docs/security.md): derive it from the database URL.
		sum := sha256.Sum256([]byte(k.opts.DB.URL))
		env = append(env, "KEEPER_SECRETS_KEY="+hex.EncodeToString(sum[:]))
	}
	return append(env, k.opts.Env...)
}

// BaseEnv is the test's environment without any KEEPER_* variable.
func BaseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KEEPER_") {
			env = append(env, kv)
		}
	}
	return env
}

var (
	readyText = regexp.MustCompile(`msg="?keeper ready"? .*\burl=(\S+)`)
	readyJSON = regexp.MustCompile(`"msg":"keeper ready".*"url":"([^"]+)"`)
)

func (k *Keeper) start() {
	k.t.Helper()
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", k.DataDir}, k.opts.Args...)
	cmd := exec.Command(k.bin, args...)
	if len(k.opts.Wrap) > 0 {
		cmd = exec.Command(k.opts.Wrap[0], append(append(k.opts.Wrap[1:len(k.opts.Wrap):len(k.opts.Wrap)], k.bin), args...)...)
	}
	cmd.Env = k.Env()
	cmd.Dir = k.DataDir
	logs := newLogBuffer()
	cmd.Stdout = logs
	cmd.Stderr = logs
	orphanGuard(cmd)
	if err := cmd.Start(); err != nil {
		k.t.Fatalf("harness: start keeper: %v", err)
	}
	done := make(chan struct{})
	k.mu.Lock()
	k.cmd, k.done, k.werr = cmd, done, nil
	k.logs = append(k.logs, logs)
	k.mu.Unlock()
	go func() {
		err := cmd.Wait()
		k.mu.Lock()
		k.werr = err
		k.mu.Unlock()
		close(done)
	}()

	timer := time.NewTimer(k.opts.ReadyTimeout)
	defer timer.Stop()
	select {
	case url := <-logs.ready:
		k.URL = strings.TrimRight(url, "/")
		if k.opts.TrustCert != "" {
			k.trust(k.opts.TrustCert)
		}
	case <-done:
		k.t.Fatalf("harness: keeper exited before it was ready (%v); last output:\n%s", k.exitErr(), tail(logs.String(), 15))
	case <-timer.C:
		k.Kill()
		k.t.Fatalf("harness: keeper not ready after %s; last output:\n%s", k.opts.ReadyTimeout, tail(logs.String(), 15))
	}
	if !k.opts.NoLogin {
		k.Token = k.Login("admin", k.opts.AdminPassword)
	}
}

// trust makes HTTP accept the certificates in the PEM file certFile.
func (k *Keeper) trust(certFile string) {
	k.t.Helper()
	if !filepath.IsAbs(certFile) {
		certFile = filepath.Join(k.DataDir, certFile)
	}
	pemData, err := os.ReadFile(certFile)
	if err != nil {
		k.t.Fatalf("harness: trust certificate: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		k.t.Fatalf("harness: %s holds no PEM certificate", certFile)
	}
	k.HTTP.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
}

// PID is the current process id (the fuzz harness reads its RSS).
func (k *Keeper) PID() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.cmd.Process.Pid
}

// Running reports whether the current process has not exited.
func (k *Keeper) Running() bool {
	k.mu.Lock()
	done := k.done
	k.mu.Unlock()
	if done == nil {
		return false // never started
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Done is closed when the current process exits.
func (k *Keeper) Done() <-chan struct{} {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.done
}

func (k *Keeper) exitErr() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.werr
}

// Stop sends SIGTERM and waits (up to 60s, then SIGKILL) for the process to
// exit; it returns the exit error (nil for a clean exit).
func (k *Keeper) Stop() error {
	k.t.Helper()
	if !k.Running() {
		return k.exitErr()
	}
	_ = k.signal(syscall.SIGTERM)
	select {
	case <-k.Done():
	case <-time.After(60 * time.Second):
		k.Kill()
		return errors.New("harness: keeper did not stop within 60s of SIGTERM")
	}
	k.HTTP.CloseIdleConnections()
	return k.exitErr()
}

// Kill sends SIGKILL and waits for the process to be gone.
func (k *Keeper) Kill() {
	if !k.Running() {
		return
	}
	_ = k.signal(syscall.SIGKILL)
	<-k.Done()
	k.HTTP.CloseIdleConnections()
}

func (k *Keeper) signal(sig os.Signal) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cmd == nil || k.cmd.Process == nil {
		return os.ErrProcessDone // never started: nothing to signal
	}
	return k.cmd.Process.Signal(sig)
}

// Restart stops the process (SIGTERM) if it still runs and starts a new one
// on the same data dir, database and environment.
func (k *Keeper) Restart() {
	k.t.Helper()
	if k.Running() {
		if err := k.Stop(); err != nil {
			k.t.Errorf("harness: stop before restart: %v", err)
		}
	}
	k.start()
}

// Logs returns the output of the current (or last) process.
func (k *Keeper) Logs() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.logs[len(k.logs)-1].String()
}

func (k *Keeper) dumpLogs() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i, l := range k.logs {
		k.t.Logf("keeper process %d of %d output:\n%s", i+1, len(k.logs), l.String())
	}
}

// logBuffer collects a process's output and spots the ready line.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
	ready   chan string
	seen    bool
}

func newLogBuffer() *logBuffer { return &logBuffer{ready: make(chan string, 1)} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if os.Getenv("KEEPER_E2E_VERBOSE") != "" {
		os.Stderr.Write(p)
	}
	if l.seen {
		return len(p), nil
	}
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := string(l.partial[:i])
		l.partial = l.partial[i+1:]
		m := readyText.FindStringSubmatch(line)
		if m == nil {
			m = readyJSON.FindStringSubmatch(line)
		}
		if m != nil {
			l.seen = true
			l.partial = nil
			l.ready <- strings.Trim(m[1], `"`)
			break
		}
	}
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Result is the outcome of a one-shot keeper command.
type Result struct {
	Stdout, Stderr string
	// ExitCode is the process's exit code (-1 if it died from a signal).
	ExitCode int
}

// Run runs `keeper args...` to completion with BaseEnv plus env (e.g.
// `keeper migrate --data-dir DIR`, `keeper version`).
func Run(t testing.TB, env []string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(Build(t), args...)
	cmd.Env = append(BaseEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	default:
		t.Fatalf("harness: run keeper %v: %v", args, err)
	}
	return res
}

// String describes a Result for failure messages.
func (r Result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.ExitCode, r.Stdout, r.Stderr)
}

// decodeJSON is json.Unmarshal with a readable error.
func decodeJSON(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %q: %w", truncate(b, 300), err)
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// tail returns the last n lines of s (the whole output goes to the test log
// at the end of a failed test).
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
