package remote

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// ExtPrefix starts the path of a file an upstream document links on another
// host than the upstream's (PyPI indexes link files on a separate file host):
// a format's rewrite turns such a link into
//
//	{localBase}/~ext/{scheme}/{host[:port]}/{path}
//
// and the host fetches {scheme}://{host}/{path} when it is asked for it. The
// host is fetched from only when it is the upstream's own host or is listed
// in the repository's upstream_file_hosts, so neither a plugin nor a client
// can make Keeper fetch an arbitrary URL; the egress guard applies as for
// every upstream connection, and the repository's upstream credentials are
// never sent there.
const ExtPrefix = "/~ext/"

// ConfigFileHosts lists (comma-separated host[:port]) the hosts other than
// the upstream's whose files the repository's documents may link.
const ConfigFileHosts = "upstream_file_hosts"

// upstreamTarget is the URL path (escaped, as the client sent it) is fetched
// from, with the credentials sent there. A ~ext path naming a host the
// repository does not allow is not found.
func upstreamTarget(repo *ports.Repository, path string) (string, ports.UpstreamCredentials, error) {
	base := upstreamBase(repo.UpstreamURL)
	rest, ok := strings.CutPrefix(path, ExtPrefix)
	if !ok {
		rule, err := ParsePathRewrite(repo.Config[ConfigPathRewrite])
		if err != nil {
			return "", ports.UpstreamCredentials{}, &ports.UpstreamError{Msg: ConfigPathRewrite + ": " + err.Error()}
		}
		return base + rule.apply(path), credentials(repo), nil
	}
	scheme, after, _ := strings.Cut(rest, "/")
	host, p, ok := strings.Cut(after, "/")
	if !ok || p == "" || (scheme != "http" && scheme != "https") {
		return "", ports.UpstreamCredentials{}, ErrNotFound
	}
	u, err := url.Parse(scheme + "://" + host + "/")
	if err != nil || u.Host != host || u.User != nil || host == "" {
		return "", ports.UpstreamCredentials{}, ErrNotFound
	}
	host = strings.ToLower(host)
	own := ""
	if bu, err := url.Parse(base); err == nil {
		own = strings.ToLower(bu.Host)
	}
	// No credentials: they are for the upstream's base, and a ~ext path
	// may name any path of its host.
	if host != own && !listed(repo.Config[ConfigFileHosts], host) {
		return "", ports.UpstreamCredentials{}, fmt.Errorf("remote: file host %s is not allowed: %w", host, ErrNotFound)
	}
	return scheme + "://" + host + "/" + p, ports.UpstreamCredentials{}, nil
}

// listed reports whether host is in a comma-separated list.
func listed(list, host string) bool {
	for _, h := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(h), host) {
			return true
		}
	}
	return false
}
