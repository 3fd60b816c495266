package http

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"github.com/keeper-registry/keeper/core/config"
)

// TLSConfig builds the server's TLS configuration from cfg.TLS, or returns
// nil when TLS is off. HTTP/2 is offered through ALPN (net/http enables it
// for TLS listeners whose NextProtos list "h2").
func TLSConfig(cfg config.Config) (*tls.Config, error) {
	t := cfg.TLS
	switch {
	case !t.Enabled():
		return nil, nil
	case len(t.ACME.Hosts) > 0:
		return acmeConfig(cfg), nil
	case t.SelfSigned:
		certFile, keyFile, err := SelfSigned(cfg.TLSDir(), cfg.Listen, time.Now())
		if err != nil {
			return nil, err
		}
		slog.Info("tls: self-signed certificate for development; trust it with SSL_CERT_FILE or your system store",
			"cert", certFile)
		return fileConfig(certFile, keyFile)
	default:
		return fileConfig(t.CertFile, t.KeyFile)
	}
}

func fileConfig(certFile, keyFile string) (*tls.Config, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile}
	if err := r.load(); err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.GetCertificate,
		NextProtos: []string{"h2", "http/1.1"}}, nil
}

// acmeConfig asks an ACME authority for certificates of the configured hosts
// on first use (TLS-ALPN-01 challenge) and renews them; they are cached on
// disk so restarts do not ask again.
func acmeConfig(cfg config.Config) *tls.Config {
	m := &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		Cache:      autocert.DirCache(cfg.ACMECacheDir()),
		HostPolicy: autocert.HostWhitelist(cfg.TLS.ACME.Hosts...),
		Email:      cfg.TLS.ACME.Email,
	}
	if u := cfg.TLS.ACME.DirectoryURL; u != "" {
		m.Client = &acme.Client{DirectoryURL: u}
	}
	c := m.TLSConfig() // NextProtos: h2, http/1.1, acme-tls/1
	c.MinVersion = tls.VersionTLS12
	return c
}

// certReloader serves the key pair in two files and loads it again when
// either file's modification time or size changes (certificate renewal by
// an external tool needs no restart). A pair that fails to load keeps the
// previous one in service.
type certReloader struct {
	certFile, keyFile string

	mu    sync.Mutex
	cert  *tls.Certificate
	stamp string
}

func (r *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st := r.fileStamp(); st != r.stamp {
		if err := r.loadLocked(st); err != nil {
			slog.Warn("tls: reload certificate; keeping the previous one", "err", err)
			r.stamp = st // retry only after the next change
		}
	}
	return r.cert, nil
}

func (r *certReloader) load() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loadLocked(r.fileStamp())
}

func (r *certReloader) loadLocked(stamp string) error {
	pair, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("tls: load tls.cert_file %s and tls.key_file %s: %w", r.certFile, r.keyFile, err)
	}
	r.cert, r.stamp = &pair, stamp
	return nil
}

// fileStamp summarises both files' modification times and sizes.
func (r *certReloader) fileStamp() string {
	var s string
	for _, p := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(p)
		if err != nil {
			s += "missing;"
			continue
		}
		s += fmt.Sprintf("%d/%d;", fi.ModTime().UnixNano(), fi.Size())
	}
	return s
}
