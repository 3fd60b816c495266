// Command wasm is the pub plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o pub.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/pub"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(pub.Plugin{}) }

func main() {}
