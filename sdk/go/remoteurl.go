package sdk

import (
	"net/url"
	"strings"
)

// ExtPrefix starts the path under a remote repository of a file its
// upstream's documents link on another host: {localBase}/~ext/{scheme}/
// {host[:port]}/{path}, which the host fetches from {scheme}://{host}/{path}
// only when that host is the upstream's or is listed in the repository's
// upstream_file_hosts (docs/remote-repositories.md).
const ExtPrefix = "/~ext/"

// RemoteURL is where a remote repository (localBase) serves u, a URL an
// upstream document (of upstreamBase) names: a URL at or under upstreamBase
// keeps its path below it; another http(s) URL goes under ExtPrefix; any
// other is "" (not served).
func RemoteURL(u, upstreamBase, localBase string) string {
	local := strings.TrimSuffix(localBase, "/")
	if rest, ok := strings.CutPrefix(u, strings.TrimSuffix(upstreamBase, "/")); ok && (rest == "" || rest[0] == '/') {
		return local + rest
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return ""
	}
	return local + ExtPrefix + p.Scheme + "/" + p.Host + p.EscapedPath()
}
