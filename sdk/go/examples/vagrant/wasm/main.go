// Command wasm builds the example Vagrant plugin as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o vagrant.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/sdk/go/examples/vagrant"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(vagrant.Plugin{}) }

func main() {}
