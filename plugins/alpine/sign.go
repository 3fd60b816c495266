package alpine

import (
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// signIndex returns the signature segment for an index segment.
func signIndex(h sdk.Host, idx []byte, mtime time.Time) ([]byte, error) {
	return nil, nil
}

// publicKey answers GET /keys/<keyname>.rsa.pub.
func publicKey(h sdk.Host, name string) (*sdk.Response, error) {
	return nil, sdk.Errorf(404, "not found: keys/%s", name)
}
