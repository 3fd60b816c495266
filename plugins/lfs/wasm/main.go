// Command wasm is the lfs plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o lfs.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/lfs"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(lfs.Plugin{}) }

func main() {}
