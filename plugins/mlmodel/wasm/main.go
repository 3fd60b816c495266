// Command wasm is the mlmodel plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o mlmodel.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/mlmodel"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(mlmodel.Plugin{}) }

func main() {}
