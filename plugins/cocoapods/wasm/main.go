// Command wasm is the cocoapods plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o cocoapods.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/cocoapods"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(cocoapods.Plugin{}) }

func main() {}
