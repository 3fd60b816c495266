// Command wasm is the cargo plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o cargo.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/cargo"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(cargo.Plugin{}) }

func main() {}
