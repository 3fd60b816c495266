package sdk

import (
	"errors"
	"fmt"
	"strings"
)

// NoSigningKey reports whether err, from Sign or PublicKey, says the
// repository has no signing key (or the host has no signing imports).
func NoSigningKey(err error) bool {
	return err != nil && (errors.Is(err, ErrNoImport) || strings.Contains(err.Error(), "no signing key"))
}

// ServePublicKey answers with the repository's public key in form, served
// as contentType, or with a 404 "repository has no signing key" when it has
// none.
func ServePublicKey(h Host, form KeyForm, contentType string) (*Response, error) {
	k, err := PublicKey(h, form)
	if NoSigningKey(err) {
		return nil, Errorf(404, "repository has no signing key")
	}
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	return &Response{Status: 200, Kind: BodyBytes, Bytes: k.Data,
		Headers: []Header{{Name: "Content-Type", Value: contentType}}}, nil
}
