// Command alloc is a sandbox test plugin that allocates without bound.
package main

import sdk "github.com/keeper-registry/keeper/sdk/go"

type p struct{}

func (p) Describe() sdk.Info { return sdk.Info{Key: "alloc", Version: "0"} }

var keep [][]byte

func (p) Handle(h sdk.Host, r *sdk.Request) (*sdk.Response, error) {
	if r.Method == "GET" {
		return &sdk.Response{Status: 200}, nil
	}
	for {
		keep = append(keep, make([]byte, 1<<20))
	}
}

func init() { sdk.Register(p{}) }

func main() {}
