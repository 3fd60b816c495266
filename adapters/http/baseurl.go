package http

import (
	"context"
	"net"
	"net/http"
	"strings"
)

type baseURLKey struct{}

// withBaseURL returns ctx carrying the external URL the edge computed for
// this request (scheme://host[:port], no trailing slash).
func withBaseURL(ctx context.Context, u string) context.Context {
	return context.WithValue(ctx, baseURLKey{}, strings.TrimSuffix(u, "/"))
}

// dispatchBaseURL is the external URL handed to the format dispatcher: the
// one the edge computed (externalURL), else the local address the
// connection reached. Never the client's Host header, which anyone can set
// (issue 20.2: cache poisoning).
func dispatchBaseURL(r *http.Request) string {
	if u, ok := r.Context().Value(baseURLKey{}).(string); ok && u != "" {
		return u
	}
	return localURL(r)
}

// localURL is scheme://address of the listener the connection reached, the
// default external URL when none is configured; "http://localhost" when the
// request did not come through a server (tests).
func localURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && a != nil {
		return scheme + "://" + a.String()
	}
	return scheme + "://localhost"
}
