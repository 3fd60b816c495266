// Command wasm is the rubygems plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o rubygems.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/rubygems"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(rubygems.Plugin{}) }

func main() {}
