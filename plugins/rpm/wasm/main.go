// Command wasm is the rpm plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o rpm.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/rpm"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(rpm.Plugin{}) }

func main() {}
