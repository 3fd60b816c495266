// Command wasm is the composer plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o composer.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/composer"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(composer.Plugin{}) }

func main() {}
