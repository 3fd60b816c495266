// Command wasm is the alpine plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o alpine.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/alpine"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(alpine.Plugin{}) }

func main() {}
