package s3blob

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

func TestNewRejectsBadConfig(t *testing.T) {
	ok := Config{Bucket: "b", AccessKey: "a", SecretKey: "s"}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"no bucket", func(c *Config) { c.Bucket = "" }},
		{"part size below the S3 minimum", func(c *Config) { c.PartSize = 1 << 20 }},
		{"part size above the S3 maximum", func(c *Config) { c.PartSize = 6 << 30 }},
		{"access key without secret", func(c *Config) { c.SecretKey = "" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			if _, err := New(context.Background(), c); !errors.Is(err, ports.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
	s, err := New(context.Background(), Config{Bucket: "b", Prefix: "keeper", AccessKey: "a", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if s.partSize != DefaultPartSize || s.prefix != "keeper/" {
		t.Fatalf("defaults: part size %d, prefix %q", s.partSize, s.prefix)
	}
}

func TestKeys(t *testing.T) {
	s := &Store{prefix: "p/"}
	d := strings.Repeat("ab", 32)
	key := s.blobKey(d)
	if key != "p/blobs/ab/ab/"+d {
		t.Fatalf("blob key = %q", key)
	}
	if got, ok := s.digestFromKey(key); !ok || got != d {
		t.Fatalf("digestFromKey(%q) = %q, %v", key, got, ok)
	}
	for _, k := range []string{
		"p/blobs/ab/cd/" + d,       // wrong fan-out directories
		"p/blobs/ab/ab/" + d + "x", // trailing junk
		"q/blobs/ab/ab/" + d,       // other prefix
		"p/tmp/" + d,               // temp object
		"p/blobs/AB/AB/" + strings.ToUpper(d),
	} {
		if _, ok := s.digestFromKey(k); ok {
			t.Errorf("digestFromKey(%q) accepted a key that is not a blob", k)
		}
	}
	if cs := (&Store{bucket: "b"}).copySource("p q/blobs/x"); cs != "b/p%20q/blobs/x" {
		t.Fatalf("copy source = %q", cs)
	}
}
