// Command wasm is the Ivy repository built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o ivy.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/ivy"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(ivy.Plugin{}) }

func main() {}
