package http

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/keeper-registry/keeper/core/auth"
)

// basicInBearer recognises a bearer token that is base64("user:password"),
// the form some registries hand out for client configuration files: such
// a credential is checked like Basic. Keeper's own tokens (prefixed) and
// JWTs are never read this way.
func basicInBearer(token string) (user, pass string, ok bool) {
	if token == "" || len(token) > 1024 || strings.HasPrefix(token, auth.TokenPrefix) || auth.LooksLikeJWT(token) {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil || !utf8.Valid(raw) {
		return "", "", false
	}
	user, pass, ok = strings.Cut(string(raw), ":")
	if !ok || user == "" || pass == "" || strings.ContainsAny(user, "\x00\r\n") {
		return "", "", false
	}
	return user, pass, true
}
