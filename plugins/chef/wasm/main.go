// Command wasm is the Chef Supermarket plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o chef.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/chef"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(chef.Plugin{}) }

func main() {}
