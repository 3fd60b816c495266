package config

import (
	"strings"
	"testing"
)

func TestValidateTLS(t *testing.T) {
	cases := []struct {
		name string
		tls  TLS
		says string // "" means valid
	}{
		{"off", TLS{}, ""},
		{"files", TLS{CertFile: "c.pem", KeyFile: "k.pem"}, ""},
		{"self-signed", TLS{SelfSigned: true}, ""},
		{"acme", TLS{ACME: ACME{Hosts: []string{"keeper.example.org"}}}, ""},
		{"cert without key", TLS{CertFile: "c.pem"}, "tls.cert_file and tls.key_file must be set together"},
		{"two modes", TLS{CertFile: "c.pem", KeyFile: "k.pem", SelfSigned: true}, "choose one of"},
		{"bad host", TLS{ACME: ACME{Hosts: []string{"https://x"}}}, "tls.acme.hosts[0]"},
		{"plain directory", TLS{ACME: ACME{Hosts: []string{"x.org"}, DirectoryURL: "http://ca/dir"}}, "tls.acme.directory_url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Default()
			cfg.TLS = c.tls
			err := cfg.Validate()
			if c.says == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("%v, want an error saying %q", err, c.says)
			}
		})
	}
	if !(TLS{SelfSigned: true}).Enabled() || (TLS{}).Enabled() {
		t.Error("Enabled")
	}
}
