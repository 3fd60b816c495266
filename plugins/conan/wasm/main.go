// Command wasm is the conan plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o conan.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/conan"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(conan.Plugin{}) }

func main() {}
