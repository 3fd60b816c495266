// Command wasm is the Incus/LXC SimpleStreams plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o incus.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/incus"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(incus.Plugin{}) }

func main() {}
