// Command wasm is the openvsx plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o openvsx.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/openvsx"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(openvsx.Plugin{}) }

func main() {}
