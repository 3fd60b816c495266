// Command wasm is the npm plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o npm.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/npm"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(npm.Plugin{}) }

func main() {}
