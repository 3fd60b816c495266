package http_test

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	httpapi "github.com/keeper-registry/keeper/adapters/http"
)

// openAPIRoute matches request paths of one registered route.
type openAPIRoute struct {
	re     *regexp.Regexp
	static int // segments without parameters: the most specific route wins, as in gin
	route  *routers.Route
}

// validating wraps the server's handler so that every /api/v1 response is
// checked against the server's own OpenAPI description (kin-openapi): its
// status must be documented and a JSON body must match the schema. The
// description itself must be a valid OpenAPI document.
func validating(t testing.TB, srv *httpapi.Server) http.Handler {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(srv.OpenAPI())
	if err != nil {
		t.Fatalf("openapi: load: %v", err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("openapi: invalid document: %v", err)
	}
	var routes []openAPIRoute
	for _, r := range srv.Routes() {
		p, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok {
			continue
		}
		item := doc.Paths.Value(httpapi.OpenAPIPath(p))
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Fatalf("openapi: %s %s is not described", r.Method, r.Path)
		}
		pattern, static := "", 0
		for _, seg := range strings.Split(strings.TrimPrefix(r.Path, "/"), "/") {
			switch {
			case strings.HasPrefix(seg, "*"):
				pattern += "(/.*)?"
			case strings.HasPrefix(seg, ":"):
				pattern += "/[^/]+"
			default:
				pattern += "/" + regexp.QuoteMeta(seg)
				static++
			}
		}
		routes = append(routes, openAPIRoute{re: regexp.MustCompile("^" + r.Method + " " + pattern + "$"), static: static,
			route: &routers.Route{Spec: doc, Path: p, PathItem: item, Method: r.Method, Operation: item.GetOperation(r.Method)}})
	}
	next := srv.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var match *openAPIRoute
		key := req.Method + " " + req.URL.EscapedPath()
		for i := range routes {
			if routes[i].re.MatchString(key) && (match == nil || routes[i].static > match.static) {
				match = &routes[i]
			}
		}
		if match == nil {
			next.ServeHTTP(w, req)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, req)
		res := rec.Result()
		body := rec.Body.Bytes()
		mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: match.route},
			Status:                 res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(body)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, ExcludeResponseBody: mt != "application/json"},
		}
		if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
			t.Errorf("openapi: %s %s answered %d, which the description does not allow: %v\nbody: %.300s",
				req.Method, req.URL.Path, res.StatusCode, err, body)
		}
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(body)
	})
}
