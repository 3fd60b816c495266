package egress

import (
	"context"
	"fmt"
	"net"
	"net/netip"
)

// Check resolves host now and refuses it when the guard would refuse a
// connection to any of its addresses: the early answer for a URL an
// administrator enters. Connections are still checked when they are made
// (Dialer), so a name rebound to a private address later fails then.
func (p Policy) Check(ctx context.Context, host string) error {
	if p.AllowPrivateNetworks || p.hostAllowed(host) {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if Forbidden(ip) {
			return fmt.Errorf("%w: %s is a private, loopback or link-local address "+
				"(allow it with egress.allowed_hosts or egress.allow_private_networks)", ErrRefused, host)
		}
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("egress: cannot resolve %s", host)
	}
	for _, a := range addrs {
		if Forbidden(a) {
			return fmt.Errorf("%w: %s resolves to %s, a private, loopback or link-local address "+
				"(allow it with egress.allowed_hosts or egress.allow_private_networks)", ErrRefused, host, a)
		}
	}
	return nil
}
