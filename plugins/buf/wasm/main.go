// Command wasm is the Buf module registry plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o buf.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/buf"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(buf.Plugin{}) }

func main() {}
