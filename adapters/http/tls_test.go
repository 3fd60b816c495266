package http

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keeper-registry/keeper/core/config"
)

// serveTLS serves a handler answering the protocol in use over c and
// returns its URL.
func serveTLS(t *testing.T, c *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{TLSConfig: c, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	})}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return "https://" + ln.Addr().String()
}

// clientTrusting trusts only the PEM certificates in certFile.
func clientTrusting(t *testing.T, certFile string) *http.Client {
	t.Helper()
	pemData, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatalf("%s holds no certificate", certFile)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true, DisableKeepAlives: true}}
}

func TestSelfSignedServesHTTP2(t *testing.T) {
	dataDir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir, cfg.Listen, cfg.TLS.SelfSigned = dataDir, "127.0.0.1:0", true
	c, err := TLSConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(dataDir, "tls", selfSignedCert)
	url := serveTLS(t, c)
	res, err := clientTrusting(t, certFile).Get(url)
	if err != nil {
		t.Fatalf("GET over the self-signed certificate: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if string(body) != "HTTP/2.0" {
		t.Errorf("protocol %q, want HTTP/2.0", body)
	}
	// localhost is in the certificate too.
	if _, err := clientTrusting(t, certFile).Get(strings.Replace(url, "127.0.0.1", "localhost", 1)); err != nil {
		t.Errorf("GET via localhost: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dataDir, "tls", selfSignedKey)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v, want mode 0600", fi, err)
	}
}

func TestSelfSignedReusedUntilItNoLongerFits(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	certFile, _, err := SelfSigned(dir, "127.0.0.1:8443", now)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(certFile)
	if _, _, err := SelfSigned(dir, "127.0.0.1:9443", now); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(certFile); !bytes.Equal(first, again) {
		t.Error("a certificate covering the same names was replaced")
	}
	if _, _, err := SelfSigned(dir, "10.1.2.3:8443", now); err != nil {
		t.Fatal(err)
	}
	other, _ := os.ReadFile(certFile)
	if bytes.Equal(first, other) {
		t.Fatal("a certificate lacking the new listen address was kept")
	}
	pair, err := tls.LoadX509KeyPair(certFile, filepath.Join(dir, selfSignedKey))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(pair.Leaf.IPAddresses, net.ParseIP("10.1.2.3").Equal) {
		t.Errorf("IP SANs %v lack 10.1.2.3", pair.Leaf.IPAddresses)
	}
	if _, _, err := SelfSigned(dir, "10.1.2.3:8443", now.Add(selfSignedLife)); err != nil {
		t.Fatal(err)
	}
	if renewed, _ := os.ReadFile(certFile); bytes.Equal(renewed, other) {
		t.Error("a certificate about to expire was kept")
	}
}

// TestCertificateFilesReloaded: replacing the files changes the
// certificate served at the next handshake, without a restart; a broken
// replacement keeps the previous certificate in service.
func TestCertificateFilesReloaded(t *testing.T) {
	src, dir := t.TempDir(), t.TempDir()
	certA, keyA, err := SelfSigned(filepath.Join(src, "a"), "127.0.0.1:1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certB, keyB, err := SelfSigned(filepath.Join(src, "b"), "127.0.0.1:1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	install := func(cert, key string, mtime time.Time) {
		for from, to := range map[string]string{cert: certFile, key: keyFile} {
			data, err := os.ReadFile(from)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(to, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(to, mtime, mtime); err != nil {
				t.Fatal(err)
			}
		}
	}
	install(certA, keyA, time.Now().Add(-time.Hour))
	cfg := config.Default()
	cfg.TLS.CertFile, cfg.TLS.KeyFile = certFile, keyFile
	c, err := TLSConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	url := serveTLS(t, c)
	if _, err := clientTrusting(t, certA).Get(url); err != nil {
		t.Fatalf("first certificate: %v", err)
	}
	install(certB, keyB, time.Now())
	if _, err := clientTrusting(t, certB).Get(url); err != nil {
		t.Fatalf("after replacing the files: %v", err)
	}
	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := clientTrusting(t, certB).Get(url); err != nil {
		t.Fatalf("a broken replacement took the certificate out of service: %v", err)
	}
}

// TestACMEWiring checks what can be checked without an ACME authority
// (none is reachable here): the TLS-ALPN-01 protocol is offered beside h2,
// names outside tls.acme.hosts are refused before any network call, and a
// listed name goes to the configured directory.
func TestACMEWiring(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.TLS.ACME = config.ACME{Hosts: []string{"keeper.test"}, Email: "ops@keeper.test",
		DirectoryURL: "https://127.0.0.1:1/directory"}
	c, err := TLSConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"h2", "http/1.1", "acme-tls/1"} {
		if !slices.Contains(c.NextProtos, p) {
			t.Errorf("NextProtos %v lack %q", c.NextProtos, p)
		}
	}
	hello := func(name string) *tls.ClientHelloInfo {
		return &tls.ClientHelloInfo{ServerName: name, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
			SignatureSchemes: []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256}, SupportedVersions: []uint16{tls.VersionTLS13}}
	}
	if _, err := c.GetCertificate(hello("other.test")); err == nil || !strings.Contains(err.Error(), "not configured") {
		t.Errorf("unlisted host: %v, want refused by the host policy", err)
	}
	_, err = c.GetCertificate(hello("keeper.test"))
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("listed host: %v, want an attempt at the configured directory", err)
	}
}
