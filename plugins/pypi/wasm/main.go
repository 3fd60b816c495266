// Command wasm is the pypi plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o pypi.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/pypi"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(pypi.Plugin{}) }

func main() {}
