package http

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/ports"
)

// APIError is an error with an explicit status and machine code, for cases the
// sentinel table below does not cover.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Message }

// errorBody is the JSON shape of every API error: {"error":{"code","message"}}.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// formatErrorBody is the JSON shape of the errors the host answers on a
// format's routes (the plugin's own errors are its own): one body that
// package clients of several conventions read, since the host knows no
// format. `error` is the message as a string (npm prints it), `code` and
// `message` are the API's, and `errors` is the list form registry clients
// read (`code` upper case and `message`; `detail` for those that print it).
type formatErrorBody struct {
	Error   string           `json:"error"`
	Code    string           `json:"code"`
	Message string           `json:"message"`
	Errors  []formatErrorRef `json:"errors"`
}

type formatErrorRef struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Detail  string `json:"detail"`
}

// statusTable maps core and port sentinels to HTTP status and code, in order.
var statusTable = []struct {
	err    error
	status int
	code   string
}{
	{ports.ErrNotFound, http.StatusNotFound, "not_found"},
	{ports.ErrConflict, http.StatusConflict, "conflict"},
	{ports.ErrDigestMismatch, http.StatusBadRequest, "digest_mismatch"},
	{ports.ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{ports.ErrInvalid, http.StatusBadRequest, "invalid"},
	{ports.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	{ports.ErrStorageFull, http.StatusInsufficientStorage, "storage_full"},
	{context.DeadlineExceeded, http.StatusGatewayTimeout, "timeout"},
	// A client that went away is not a server error (nginx's 499; nobody reads it).
	{context.Canceled, 499, "aborted"},
	// The format dispatcher's kinds (core/dispatch.Error).
	{dispatch.ErrUnauthenticated, http.StatusUnauthorized, "unauthorized"},
	{dispatch.ErrForbidden, http.StatusForbidden, "forbidden"},
	{dispatch.ErrBadBody, http.StatusBadRequest, "bad_body"},
	{dispatch.ErrPluginTimeout, http.StatusGatewayTimeout, "plugin_timeout"},
	{dispatch.ErrPluginStatus, http.StatusBadGateway, "plugin_error"},
	{dispatch.ErrPluginFailed, http.StatusBadGateway, "plugin_failed"},
	{dispatch.ErrInternal, http.StatusInternalServerError, "internal"},
	{dispatch.ErrMethodNotAllowed, http.StatusMethodNotAllowed, "method_not_allowed"},
	{dispatch.ErrUpstreamTimeout, http.StatusGatewayTimeout, "upstream_timeout"},
	{dispatch.ErrUpstreamFailed, http.StatusBadGateway, "upstream_failed"},
}

// WriteError writes err as the JSON error body with the matching status and
// aborts the gin chain. Unknown errors are logged and answered 500.
func WriteError(c *gin.Context, err error) {
	status, code, msg := classify(c.Request.Context(), c.Request.URL.Path, err)
	errorHeaders(c.Writer.Header(), err, status)
	var body errorBody
	body.Error.Code, body.Error.Message = code, msg
	c.AbortWithStatusJSON(status, body)
}

// writeHTTPError is WriteError for a plain net/http writer (the format
// dispatcher's answers): the same table and headers, formatErrorBody.
func writeHTTPError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := classify(r.Context(), r.URL.Path, err)
	h := w.Header()
	h.Del("ETag")
	h.Del("Last-Modified")
	errorHeaders(h, err, status)
	b, _ := json.Marshal(formatErrorBody{Error: msg, Code: code, Message: msg,
		Errors: []formatErrorRef{{Code: strings.ToUpper(code), Message: msg, Detail: msg}}})
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// classify maps err to its status, machine code and client message: the
// one table of the HTTP edge, for the API and the format dispatcher alike.
func classify(ctx context.Context, path string, err error) (status int, code, msg string) {
	status, code, msg = http.StatusInternalServerError, "internal", "internal error"
	var ae *APIError
	var be *bodyError
	var de *dispatch.Error
	switch {
	case errors.As(err, &ae):
		return ae.Status, ae.Code, ae.Message
	case errors.As(err, &be):
		status, code = http.StatusBadRequest, "bad_body"
		if be.slow {
			status, code = http.StatusRequestTimeout, "slow_body"
		}
		return status, code, be.Error()
	}
	matched := false
	for _, row := range statusTable {
		if errors.Is(err, row.err) {
			status, code, msg, matched = row.status, row.code, publicMessage(err, row.err), true
			break
		}
	}
	if errors.As(err, &de) {
		// The dispatcher's messages are written for the client already;
		// a plugin's own failure keeps its status.
		if de.Status >= 400 && de.Status <= 599 {
			status = de.Status
		}
		return status, code, de.Message
	}
	if !matched && (errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)) {
		// A spool or temporary file of the request itself ran out of space.
		status, code, matched = http.StatusInsufficientStorage, "storage_full", true
		slog.ErrorContext(ctx, "request failed: storage full", "path", path, "err", err)
	}
	if !matched {
		slog.ErrorContext(ctx, "request failed", "path", path, "err", err)
	}
	var ce *ports.ConflictError
	if errors.As(err, &ce) {
		msg = ce.Message // without the rooms it passed through
	}
	switch status { // the driver's or the file system's text names internals
	case http.StatusServiceUnavailable:
		msg = "temporarily unavailable; retry shortly"
	case http.StatusInsufficientStorage:
		msg = "the server's storage is full; retry later"
	}
	return status, code, msg
}

// errorHeaders adds the headers an error answer carries: Retry-After on
// 503, the challenge on 401, Connection: close after a refused body (the
// rest of it is not read), and those the dispatcher named (Allow on 405).
func errorHeaders(h http.Header, err error, status int) {
	var be *bodyError
	var de *dispatch.Error
	if errors.As(err, &be) || errors.Is(err, dispatch.ErrBadBody) {
		h.Set("Connection", "close")
	}
	switch status {
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", "1")
	case http.StatusInsufficientStorage:
		h.Set("Retry-After", "60")
	}
	if errors.As(err, &de) {
		if de.Challenge != "" {
			h.Set("WWW-Authenticate", de.Challenge)
		}
		for _, x := range de.Headers {
			h.Set(x.Name, x.Value)
		}
	}
}

// Fail writes an error with an explicit status and code.
func Fail(c *gin.Context, status int, code, msg string) {
	WriteError(c, &APIError{Status: status, Code: code, Message: msg})
}

// internalRooms are the adapter rooms whose names must not reach a client
// (their prefixes say where an error came from, which is ours to know).
var internalRooms = []string{"bunstore", "fsblob", "s3blob", "wasm", "casbin", "argon2", "ldap", "oidc", "saml",
	"upstream", "yamlconfig", "egress", "secretbox", "sqlite", "postgres", "pgx", "sql", "dbsearch", "meili"}

// publicMessage is err's text for a client: an *InvalidError's own message
// when there is one, else the chain's text without adapter prefixes and
// without the driver detail appended after the sentinel ("conflict (UNIQUE
// constraint failed: …)").
func publicMessage(err, sentinel error) string {
	var ie *ports.InvalidError
	if errors.As(err, &ie) {
		return ie.Error()
	}
	msg := err.Error()
	if i := strings.Index(msg, sentinel.Error()+" ("); i >= 0 {
		msg = msg[:i+len(sentinel.Error())]
	}
	parts := strings.Split(msg, ": ")
	kept := parts[:0]
	for _, p := range parts {
		if !slices.Contains(internalRooms, strings.ToLower(p)) {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ": ")
}
