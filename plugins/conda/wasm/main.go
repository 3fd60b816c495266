// Command wasm is the conda plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o conda.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/conda"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(conda.Plugin{}) }

func main() {}
