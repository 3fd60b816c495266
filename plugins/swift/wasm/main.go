// Command wasm is the swift plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o swift.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/swift"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(swift.Plugin{}) }

func main() {}
