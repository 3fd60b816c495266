package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ErrRefused: the target address is in a network the guard does not allow.
var ErrRefused = errors.New("egress: target address not allowed")

// Policy says which targets are allowed besides public addresses.
type Policy struct {
	// AllowPrivateNetworks lets connections reach private, loopback and
	// link-local addresses (egress.allow_private_networks).
	AllowPrivateNetworks bool
	// AllowedHosts are host names or IP addresses (no ports) reachable even
	// when they resolve to such an address (egress.allowed_hosts).
	AllowedHosts []string
}

// blocked are the ranges no outbound request may reach by default, beyond
// what netip's predicates cover (RFC 6890 special-purpose registries).
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),  // NAT64 (may embed a private IPv4)
	netip.MustParsePrefix("2002::/16"),     // 6to4 (may embed a private IPv4)
}

// Forbidden reports whether ip is private, loopback, link-local (cloud
// metadata services live at 169.254.169.254), multicast, unspecified or
// another special-purpose address.
func Forbidden(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || !ip.IsValid() {
		return true
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func (p Policy) hostAllowed(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, h := range p.AllowedHosts {
		if strings.TrimSuffix(strings.ToLower(h), ".") == host {
			return true
		}
	}
	return false
}

// Dialer returns a DialContext that resolves as usual and checks the address
// it is about to connect to (net.Dialer.Control runs after resolution, for
// every address tried), so a name that resolves — or is rebound — to a
// private address fails too.
func (p Policy) Dialer(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if d == nil {
		d = &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("egress: %w", err)
		}
		if p.AllowPrivateNetworks || p.hostAllowed(host) {
			return d.DialContext(ctx, network, addr)
		}
		guarded := *d
		guarded.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrRefused, address)
			}
			if Forbidden(ap.Addr()) {
				return fmt.Errorf("%w: %s resolves to %s, a private, loopback or link-local address "+
					"(allow it with egress.allowed_hosts or egress.allow_private_networks)", ErrRefused, host, ap.Addr())
			}
			return nil
		}
		return guarded.DialContext(ctx, network, addr)
	}
}

// Client returns an HTTP client whose every connection, redirects included,
// goes through the guard. Proxies from the environment are not used: a
// proxy would make the guard check the proxy's address, not the target's.
func (p Policy) Client(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = p.Dialer(nil)
	return &http.Client{Timeout: timeout, Transport: t}
}
