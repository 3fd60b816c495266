// Command wasm is the puppet plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o puppet.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/puppet"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(puppet.Plugin{}) }

func main() {}
