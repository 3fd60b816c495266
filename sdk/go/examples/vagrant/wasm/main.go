// Command wasm builds the example Vagrant plugin as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o vagrant.wasm ./wasm
package main

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/examples/vagrant"
)

func init() { sdk.Register(vagrant.Plugin{}) }

func main() {}
