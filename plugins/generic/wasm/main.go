// Command wasm is the generic plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o generic.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/generic"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(generic.Plugin{}) }

func main() {}
