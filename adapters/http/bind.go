package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// maxJSONBody bounds every JSON request body of the API.
const maxJSONBody = 1 << 20

// bindJSON decodes the request's JSON body into v, answering 400 and
// returning false when it is malformed, holds a field v does not have
// (`"isPublic": true` must not silently create a private repository),
// carries a value of the wrong type, or continues after the object; 413
// beyond maxJSONBody. Every API handler reads its body through it.
func bindJSON(c *gin.Context, v any) bool {
	if err := decodeJSON(http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody), v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			Fail(c, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body exceeds %d bytes", maxJSONBody))
			return false
		}
		Fail(c, http.StatusBadRequest, "invalid", err.Error())
		return false
	}
	return true
}

// decodeJSON is strict JSON decoding with messages in the caller's terms
// (field names as sent, offsets rather than Go types).
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("request body holds more than one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var (
		syntax    *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		tooLarge  *http.MaxBytesError
		unknownAt = "json: unknown field "
	)
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.Is(err, io.EOF):
		return errors.New("request body is empty: a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("malformed JSON body: unexpected end")
	case errors.As(err, &syntax):
		return fmt.Errorf("malformed JSON body at byte %d: %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return fmt.Errorf("JSON body must be %s, not %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
		}
		return fmt.Errorf("field %q must be %s, not %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case strings.HasPrefix(err.Error(), unknownAt):
		// encoding/json has no typed error for this one; the text is stable.
		return fmt.Errorf("unknown field %s", strings.TrimPrefix(err.Error(), unknownAt))
	}
	return fmt.Errorf("malformed JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go kind in JSON terms.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	}
	return "a different type"
}
