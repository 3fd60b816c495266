// Command slowhost is a test plugin that copies its request body with the
// concat-ranges import (which the test host makes slow): once (PUT), in a
// loop forever ignoring failures (POST), or once and then spinning (PATCH).
package main

import sdk "github.com/keeper-registry/keeper/sdk/go"

type p struct{}

func (p) Describe() sdk.Info { return sdk.Info{Key: "slowhost", Version: "0"} }

var sink int

func (p) Handle(h sdk.Host, r *sdk.Request) (*sdk.Response, error) {
	if r.Body == nil {
		return &sdk.Response{Status: 200}, nil
	}
	part := []sdk.BlobRange{{Digest: r.Body.Digest, Length: r.Body.Size}}
	switch r.Method {
	case "PUT":
		b, err := sdk.ConcatRanges(h, part)
		if err != nil {
			return nil, err
		}
		return &sdk.Response{Status: 201, Bytes: []byte(b.Digest)}, nil
	case "POST":
		for {
			_, _ = sdk.ConcatRanges(h, part)
		}
	}
	if _, err := sdk.ConcatRanges(h, part); err != nil {
		return nil, err
	}
	for i := 0; ; i++ {
		sink += i
	}
}

func init() { sdk.Register(p{}) }

func main() {}
