// Command wasm is the opkg plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o opkg.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/opkg"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(opkg.Plugin{}) }

func main() {}
