// Command wasm is the helm plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o helm.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/helm"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(helm.Plugin{}) }

func main() {}
