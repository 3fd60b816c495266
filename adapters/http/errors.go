package http

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

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
	{context.DeadlineExceeded, http.StatusGatewayTimeout, "timeout"},
	{ports.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	// A client that went away is not a server error (nginx's 499; nobody reads it).
	{context.Canceled, 499, "aborted"},
}

// WriteError writes err as the JSON error body with the matching status and
// aborts the gin chain. Unknown errors are logged and answered 500.
func WriteError(c *gin.Context, err error) {
	status, code, msg := http.StatusInternalServerError, "internal", "internal error"
	var ae *APIError
	if errors.As(err, &ae) {
		status, code, msg = ae.Status, ae.Code, ae.Message
	} else {
		matched := false
		for _, row := range statusTable {
			if errors.Is(err, row.err) {
				status, code, msg, matched = row.status, row.code, err.Error(), true
				break
			}
		}
		if !matched {
			slog.ErrorContext(c.Request.Context(), "request failed", "path", c.Request.URL.Path, "err", err)
		}
	}
	var ce *ports.ConflictError
	if errors.As(err, &ce) {
		msg = ce.Message // without the rooms it passed through
	}
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "1")
		msg = "temporarily unavailable; retry shortly" // the driver's text names internals
	}
	var body errorBody
	body.Error.Code, body.Error.Message = code, msg
	c.AbortWithStatusJSON(status, body)
}

// Fail writes an error with an explicit status and code.
func Fail(c *gin.Context, status int, code, msg string) {
	WriteError(c, &APIError{Status: status, Code: code, Message: msg})
}
