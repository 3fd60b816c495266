// Command wasm is the hex plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o hex.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/hex"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(hex.Plugin{}) }

func main() {}
