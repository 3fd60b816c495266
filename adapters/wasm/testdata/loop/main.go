// Command loop is a sandbox test plugin whose handle never returns.
package main

import sdk "github.com/keeper-registry/keeper/sdk/go"

type p struct{}

func (p) Describe() sdk.Info { return sdk.Info{Key: "loop", Version: "0"} }

var sink int

func (p) Handle(h sdk.Host, r *sdk.Request) (*sdk.Response, error) {
	if r.Method == "GET" {
		return &sdk.Response{Status: 200}, nil
	}
	for i := 0; ; i++ {
		sink += i
	}
}

func init() { sdk.Register(p{}) }

func main() {}
