package ratelimit_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/adapters/ratelimit"
	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/ports"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// engine wires the limiter like the server does; X-Test-User plays the authenticator.
func engine(l *ratelimit.Limiter, handlers map[string]gin.HandlerFunc) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(l.BeforeAuth()...)
	r.Use(func(c *gin.Context) {
		if u := c.GetHeader("X-Test-User"); u != "" {
			id, _ := strconv.ParseInt(u, 10, 64)
			c.Request = c.Request.WithContext(auth.WithSubject(c.Request.Context(), ports.Subject{UserID: id, Username: u}))
		}
	})
	r.Use(l.AfterAuth()...)
	ok := func(c *gin.Context) { c.String(200, "ok") }
	r.GET("/x", ok)
	r.POST("/api/v1/auth/login", ok)
	for p, h := range handlers {
		r.Any(p, h)
	}
	return r
}

func hit(t *testing.T, h http.Handler, method, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = "10.0.0.1:1234"
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "RemoteAddr" {
			req.RemoteAddr = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestPerIPWindowAndRetryAfter(t *testing.T) {
	clk := &clock{now: time.Unix(1000, 0)}
	l := ratelimit.New(ratelimit.Config{PerIP: ratelimit.Rule{Requests: 3, Window: time.Minute}}, clk.Now)
	h := engine(l, nil)
	for i := range 3 {
		if w := hit(t, h, "GET", "/x"); w.Code != 200 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
	w := hit(t, h, "GET", "/x")
	if w.Code != 429 || w.Header().Get("Retry-After") != "20" || !strings.Contains(w.Body.String(), "rate_limited") {
		t.Fatalf("4th request: %d Retry-After=%q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if w := hit(t, h, "GET", "/x", "RemoteAddr", "10.0.0.2:1"); w.Code != 200 {
		t.Errorf("another address is limited separately: %d", w.Code)
	}
	clk.add(19 * time.Second)
	if w := hit(t, h, "GET", "/x"); w.Code != 429 {
		t.Errorf("before a token refilled: %d", w.Code)
	}
	clk.add(time.Second)
	if w := hit(t, h, "GET", "/x"); w.Code != 200 {
		t.Errorf("after Retry-After: %d", w.Code)
	}
}

func TestLoginIsStricterAndUsersAreSeparate(t *testing.T) {
	clk := &clock{now: time.Unix(1000, 0)}
	l := ratelimit.New(ratelimit.Config{
		PerIP:   ratelimit.Rule{Requests: 100, Window: time.Minute},
		Login:   ratelimit.Rule{Requests: 2, Window: time.Minute},
		PerUser: ratelimit.Rule{Requests: 2, Window: time.Hour},
	}, clk.Now)
	h := engine(l, nil)
	for range 2 {
		if w := hit(t, h, "POST", "/api/v1/auth/login"); w.Code != 200 {
			t.Fatalf("login: %d", w.Code)
		}
	}
	if w := hit(t, h, "POST", "/api/v1/auth/login"); w.Code != 429 || w.Header().Get("Retry-After") == "" {
		t.Fatalf("3rd login: %d", w.Code)
	}
	if w := hit(t, h, "GET", "/x"); w.Code != 200 {
		t.Fatalf("other routes are not held by the login limit: %d", w.Code)
	}
	for range 2 {
		if w := hit(t, h, "GET", "/x", "X-Test-User", "7"); w.Code != 200 {
			t.Fatalf("user 7: %d", w.Code)
		}
	}
	if w := hit(t, h, "GET", "/x", "X-Test-User", "7"); w.Code != 429 {
		t.Fatalf("user 7 over its limit: %d", w.Code)
	}
	if w := hit(t, h, "GET", "/x", "X-Test-User", "8"); w.Code != 200 {
		t.Fatalf("user 8 from the same address: %d", w.Code)
	}
	if w := hit(t, h, "GET", "/x"); w.Code != 200 {
		t.Fatalf("anonymous callers are only IP-limited: %d", w.Code)
	}
}

func TestLoadSheddingAndStreamingBodies(t *testing.T) {
	l := ratelimit.New(ratelimit.Config{MaxInFlight: 2}, nil)
	entered := make(chan struct{})
	unblock := make(chan struct{})
	readStarted := make(chan struct{})
	h := engine(l, map[string]gin.HandlerFunc{
		"/slow": func(c *gin.Context) {
			entered <- struct{}{}
			<-unblock
			c.String(200, "slow")
		},
		"/upload": func(c *gin.Context) {
			buf := make([]byte, 1)
			if _, err := io.ReadFull(c.Request.Body, buf); err != nil {
				t.Error(err)
			}
			close(readStarted)
			n, _ := io.Copy(io.Discard, c.Request.Body)
			c.String(200, strconv.FormatInt(n+1, 10))
		},
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	// An upload whose client is still sending: once the handler streams the
	// body, the request no longer holds a slot.
	pr, pw := io.Pipe()
	uploadDone := make(chan string)
	go func() {
		resp, err := http.Post(srv.URL+"/upload", "application/octet-stream", pr)
		if err != nil {
			uploadDone <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		uploadDone <- string(b)
	}()
	if _, err := pw.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	<-readStarted
	if n := l.InFlight(); n != 0 {
		t.Fatalf("streaming upload still counted: in flight %d", n)
	}

	var wg sync.WaitGroup
	codes := make(chan int, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(srv.URL + "/slow")
			if err == nil {
				codes <- resp.StatusCode
				resp.Body.Close()
			}
		}()
	}
	<-entered
	<-entered
	resp, err := http.Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("third request while two are in flight: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(unblock)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Errorf("slow request: %d", c)
		}
	}
	if _, err := pw.Write([]byte(strings.Repeat("b", 1<<16))); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if got := <-uploadDone; got != strconv.Itoa(1+1<<16) {
		t.Errorf("upload answered %q", got)
	}
	if n := l.InFlight(); n != 0 {
		t.Errorf("in flight after everything finished: %d", n)
	}
	resp, err = http.Get(srv.URL + "/x")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the load: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}
