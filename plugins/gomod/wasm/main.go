// Command wasm is the Go modules plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o gomod.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/gomod"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(gomod.Plugin{}) }

func main() {}
