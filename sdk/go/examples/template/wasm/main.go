// Command wasm builds the plugin as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -trimpath -buildmode=c-shared -o myformat.wasm ./wasm
package main

import (
	"example.com/myformat"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// With -buildmode=c-shared main never runs: register in init.
func init() { sdk.Register(myformat.Plugin{}) }

func main() {}
