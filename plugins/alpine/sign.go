package alpine

import (
	"fmt"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// The index is signed by the host with the repository's RSA key (contract
// 0.2.0 sign import, rsa-pkcs1-sha1, what abuild-sign makes with
// `openssl dgst -sha1 -sign`); the signature entry is named after the public
// key's file in /etc/apk/keys, which GET /keys/<name>.rsa.pub serves.
// https://gitlab.alpinelinux.org/alpine/abuild/-/blob/master/abuild-sign.in

// keyFile is the public key's file name, <key name>.rsa.pub.
func keyFile(k sdk.SigningKey) string { return k.Name + ".rsa.pub" }

// signIndex returns the signature segment for an index segment; none
// (an unsigned index, which apk reads only with --allow-untrusted) when the
// repository has no signing key.
func signIndex(h sdk.Host, idx []byte, mtime time.Time) ([]byte, error) {
	k, err := sdk.PublicKey(h, sdk.KeyPKIXPEM)
	if err != nil {
		if sdk.NoSigningKey(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("alpine: public key: %w", err)
	}
	sig, err := sdk.Sign(h, sdk.SignRSASHA1, sdk.Source{Bytes: idx})
	if err != nil {
		return nil, fmt.Errorf("alpine: sign index: %w", err)
	}
	return SignatureSegment(keyFile(k), sig, mtime), nil
}

// publicKey answers GET /keys/<name>.rsa.pub with the PEM public key.
func publicKey(h sdk.Host, name string) (*sdk.Response, error) {
	k, err := sdk.PublicKey(h, sdk.KeyPKIXPEM)
	if err != nil {
		if sdk.NoSigningKey(err) {
			return nil, sdk.Errorf(404, "repository has no signing key")
		}
		return nil, fmt.Errorf("alpine: public key: %w", err)
	}
	if name != keyFile(k) {
		return nil, sdk.Errorf(404, "not found: keys/%s (the key is %s)", name, keyFile(k))
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: k.Data,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/x-pem-file"}}}, nil
}
