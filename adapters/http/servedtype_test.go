package http_test

import (
	"strings"
	"testing"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
)

func TestServedType(t *testing.T) {
	for _, c := range []struct {
		name, stored, want string
		attach             bool
	}{
		{"pkg.tgz", "text/html", "application/", false},
		{"x.html", "text/html", "text/html", true},
		{"x.svg", "", "image/svg+xml", true},
		{"pkg.tgz", "image/svg+xml", "application/", false},
		{"lib-1.0.0.pom", "text/xml", "text/xml", true},
		{"a.js", "text/plain", "text/plain", true},
		{"notes", "application/x-www-form-urlencoded", "application/octet-stream", false},
		{"notes", "", "application/octet-stream", false},
		{"a.json", "application/json", "application/json", false},
	} {
		ct, attach := httpapi.ServedType(c.name, c.stored)
		if !strings.HasPrefix(ct, c.want) || strings.Contains(ct, "html") && c.want != "text/html" || attach != c.attach {
			t.Errorf("ServedType(%q, %q) = %q, %v; want %q, %v", c.name, c.stored, ct, attach, c.want, c.attach)
		}
	}
}
