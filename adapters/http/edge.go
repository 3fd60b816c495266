package http

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"
)

// contentSecurityPolicy keeps every response outside the web UI inert in a
// browser: no scripts, styles, frames or plugins, sandboxed (issue 20.10).
const contentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"

// securityHeaders sets nosniff on every response and the restrictive CSP on
// everything but the web UI under /ui/.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if p := c.Request.URL.Path; p != "/ui" && !strings.HasPrefix(p, "/ui/") {
		h.Set("Content-Security-Policy", contentSecurityPolicy)
	}
	c.Next()
}

// externalURL computes the URL clients reach this server at, once per
// request, and puts it in the context for the format dispatcher and SSO:
// the configured base URL; else, for a request from a trusted proxy, its
// X-Forwarded-Proto and X-Forwarded-Host; else the local address the
// connection reached. The Host header is never used: anyone can set it,
// and links built from it were cached for everyone (issue 20.2).
func (s *Server) externalURL(c *gin.Context) {
	c.Request = c.Request.WithContext(withBaseURL(c.Request.Context(), s.baseURL(c)))
	c.Next()
}

// baseURL is the external URL for this request (see externalURL).
func (s *Server) baseURL(c *gin.Context) string {
	if s.d.BaseURL != "" {
		return strings.TrimRight(s.d.BaseURL, "/")
	}
	r := c.Request
	if s.fromTrustedProxy(r) {
		host := strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Host"), ",")[0])
		if validHost(host) {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			switch p := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0])); p {
			case "http", "https":
				scheme = p
			}
			return scheme + "://" + host
		}
	}
	return localURL(r)
}

// fromTrustedProxy reports whether the connection's peer is a configured
// trusted proxy.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	if len(s.proxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// validHost accepts host[:port] made of DNS name, IPv4 or bracketed IPv6
// characters only, so a forwarded value cannot smuggle a path or userinfo.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == ':', r == '[', r == ']':
		default:
			return false
		}
	}
	return true
}

// ParseTrustedProxies turns the configured addresses and CIDR ranges
// (trusted_proxies) into prefixes.
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, err
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
