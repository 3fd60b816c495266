// Command panicky is a sandbox test plugin whose handle panics.
package main

import sdk "github.com/keeper-registry/keeper/sdk/go"

type p struct{}

func (p) Describe() sdk.Info { return sdk.Info{Key: "panicky", Version: "0"} }

func (p) Handle(h sdk.Host, r *sdk.Request) (*sdk.Response, error) {
	if r.Method == "GET" {
		return &sdk.Response{Status: 200}, nil
	}
	var m map[string]int
	m["boom"]++ // nil map write panics
	return nil, nil
}

func init() { sdk.Register(p{}) }

func main() {}
