// Command wasm is the vagrant plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o vagrant.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/vagrant"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(vagrant.Plugin{}) }

func main() {}
