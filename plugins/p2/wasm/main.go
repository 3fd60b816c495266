// Command wasm is the p2 plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o p2.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/p2"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(p2.Plugin{}) }

func main() {}
