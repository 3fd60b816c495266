// Command wasm is the JetBrains plugin repository built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o jetbrains.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/jetbrains"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(jetbrains.Plugin{}) }

func main() {}
