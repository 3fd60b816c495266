package egress_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/adapters/egress"
)

func TestForbidden(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true, "169.254.169.254": true,
		"100.64.0.1": true, "0.0.0.0": true, "::1": true, "fe80::1": true, "fd00::1": true, "::ffff:10.0.0.1": true,
		"64:ff9b::a00:1": true, "224.0.0.1": true,
		"93.184.215.14": false, "2606:4700::1111": false, "8.8.8.8": false,
	} {
		if got := egress.Forbidden(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Forbidden(%s) = %v, want %v", addr, got, want)
		}
	}
}

// TestClientRefusesPrivateTargets: a loopback target is refused whether
// named by address or by a name that resolves to it (so rebinding a public
// name to a private address fails the same way, at dial time), also when a
// redirect leads there; allowed_hosts and allow_private_networks open it.
func TestClientRefusesPrivateTargets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	get := func(p egress.Policy, url string) error {
		resp, err := p.Client(5 * time.Second).Get(url)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	for _, u := range []string{srv.URL, "http://localhost" + port} {
		if err := get(egress.Policy{}, u); !errors.Is(err, egress.ErrRefused) {
			t.Fatalf("%s: err = %v, want ErrRefused", u, err)
		}
	}
	if err := get(egress.Policy{AllowPrivateNetworks: true}, srv.URL); err != nil {
		t.Fatalf("allow_private_networks: %v", err)
	}
	if err := get(egress.Policy{AllowedHosts: []string{"localhost"}}, "http://localhost"+port); err != nil {
		t.Fatalf("allowed_hosts: %v", err)
	}
	if err := get(egress.Policy{AllowedHosts: []string{"localhost"}}, srv.URL); !errors.Is(err, egress.ErrRefused) {
		t.Fatalf("an allowed name does not open other hosts: %v", err)
	}
	// A redirect from an allowed host to a forbidden one is refused.
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL, http.StatusFound)
	}))
	t.Cleanup(redir.Close)
	rport := redir.URL[strings.LastIndex(redir.URL, ":"):]
	if err := get(egress.Policy{AllowedHosts: []string{"localhost"}}, "http://localhost"+rport); !errors.Is(err, egress.ErrRefused) {
		t.Fatalf("redirect to a private address: %v", err)
	}
}
