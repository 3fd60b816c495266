package http

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Self-signed development certificate, under the TLS directory:
//
//	<data_dir>/tls/
//	├── self-signed.crt   PEM certificate (also its own CA: give it to SSL_CERT_FILE)
//	└── self-signed.key   PEM EC private key (0600)
const (
	selfSignedCert = "self-signed.crt"
	selfSignedKey  = "self-signed.key"
	selfSignedLife = 365 * 24 * time.Hour
)

// SelfSigned returns the paths of a self-signed certificate valid for the
// host of listen (every loopback name and the machine's host name when it
// listens on all interfaces), creating it in dir unless one that still
// covers those names for a week exists.
func SelfSigned(dir, listen string, now time.Time) (certFile, keyFile string, err error) {
	certFile, keyFile = filepath.Join(dir, selfSignedCert), filepath.Join(dir, selfSignedKey)
	dns, ips := certNames(listen)
	if selfSignedUsable(certFile, keyFile, dns, ips, now) {
		return certFile, keyFile, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("tls: self-signed: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("tls: self-signed: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return "", "", fmt.Errorf("tls: self-signed: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"Keeper development"}, CommonName: dns[0]},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedLife),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // so that it can be trusted as a root by itself
		DNSNames:              dns,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", fmt.Errorf("tls: self-signed: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("tls: self-signed: %w", err)
	}
	// Key first: a reader that sees the new certificate must find its key.
	if err := writePEM(keyFile, "EC PRIVATE KEY", keyDER, 0o600); err != nil {
		return "", "", err
	}
	if err := writePEM(certFile, "CERTIFICATE", der, 0o644); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}

// certNames lists the names a client may use for listen: always the
// loopback names; the listen host itself; the host name when listening on
// every interface.
func certNames(listen string) (dns []string, ips []net.IP) {
	dns = []string{"localhost"}
	ips = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return dns, ips
	}
	ip := net.ParseIP(host)
	switch {
	case host == "" || (ip != nil && ip.IsUnspecified()):
		if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
			dns = append(dns, h)
		}
	case ip != nil:
		if !ip.IsLoopback() {
			ips = append(ips, ip)
		}
	case host != "localhost":
		dns = append(dns, host)
	}
	return dns, ips
}

func selfSignedUsable(certFile, keyFile string, dns []string, ips []net.IP, now time.Time) bool {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil || pair.Leaf == nil {
		return false
	}
	leaf := pair.Leaf
	if now.Add(7 * 24 * time.Hour).After(leaf.NotAfter) {
		return false
	}
	for _, d := range dns {
		if !slices.Contains(leaf.DNSNames, d) {
			return false
		}
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(leaf.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return fmt.Errorf("tls: self-signed: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("tls: self-signed: %w", err)
	}
	return nil
}
