// Command wasm is the nuget plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o nuget.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/nuget"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(nuget.Plugin{}) }

func main() {}
