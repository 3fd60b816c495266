// Command wasm is the debian plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o debian.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/debian"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(debian.Plugin{}) }

func main() {}
