package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestRootRedirectsBrowsersToTheUI: a browser opening / lands in the UI;
// API clients still get the JSON index; /ui/ answers under the UI's CSP.
func TestRootRedirectsBrowsersToTheUI(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/keeper.db", 1<<20)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, e.url+"/", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/ui/" {
		t.Fatalf("browser GET / = %d to %q, want 302 to /ui/", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = http.Get(e.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("API GET / = %d %s, want the JSON index", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, err = http.Get(e.url + "/ui/repositories")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if strings.Contains(csp, "sandbox") || !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("/ui/ CSP %q", csp)
	}
}
