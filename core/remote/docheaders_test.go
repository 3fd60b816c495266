package remote

import (
	"slices"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// TestDocumentHeaders: a plugin's document keeps the fields a protocol
// needs and loses every field Keeper alone sets, whatever the case.
func TestDocumentHeaders(t *testing.T) {
	kept := []ports.Header{{Name: "Content-Version", Value: "1"}, {Name: "Link", Value: `</next>; rel="next"`},
		{Name: "X-Protocol-Thing", Value: "a b"}}
	var in []ports.Header
	in = append(in, kept[0])
	for _, n := range []string{"Set-Cookie", "set-cookie", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",
		"Proxy-Authenticate", "Upgrade", "Authorization", "WWW-Authenticate", "Access-Control-Allow-Origin",
		"Content-Security-Policy", "Content-Security-Policy-Report-Only", "X-Keeper-Upstream", "x-keeper-anything",
		"Location", "Content-Type", "ETag", "Cache-Control", "X-Frame-Options", "X-Forwarded-Host", "Strict-Transport-Security",
		"Cross-Origin-Resource-Policy", "bad name", ""} {
		in = append(in, ports.Header{Name: n, Value: "x"})
	}
	in = append(in, kept[1], ports.Header{Name: "X-Bad-Value", Value: "a\r\nSet-Cookie: s=1"}, kept[2])
	if got := DocumentHeaders(in); !slices.Equal(got, kept) {
		t.Fatalf("got %v, want %v", got, kept)
	}
	var many []ports.Header
	for i := range 40 {
		many = append(many, ports.Header{Name: "X-F" + strings.Repeat("a", i), Value: "v"})
	}
	if got := DocumentHeaders(many); len(got) != maxKeptHeaders {
		t.Fatalf("%d fields kept, want %d", len(got), maxKeptHeaders)
	}
	big := []ports.Header{{Name: "X-Big", Value: strings.Repeat("v", maxKeptValueBytes+1)}, {Name: "X-Ok", Value: "v"}}
	for range 5 {
		big = append(big, ports.Header{Name: "X-Fill", Value: strings.Repeat("v", maxKeptValueBytes)})
	}
	got := DocumentHeaders(big)
	total := 0
	for _, h := range got {
		total += len(h.Name) + len(h.Value)
	}
	if got[0].Name != "X-Ok" || total > maxKeptBytes {
		t.Fatalf("bounds: %d fields, %d bytes", len(got), total)
	}
	merged := WithDocumentHeaders([]ports.Header{{Name: "content-version", Value: "0"}, {Name: "X-Other", Value: "u"}},
		[]ports.Header{{Name: "Content-Version", Value: "1"}})
	if want := []ports.Header{{Name: "X-Other", Value: "u"}, {Name: "Content-Version", Value: "1"}}; !slices.Equal(merged, want) {
		t.Fatalf("a plugin's field replaces the upstream's: %v", merged)
	}
}
