// Command wasm is the Bazel registry and remote cache built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o bazel.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/bazel"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(bazel.Plugin{}) }

func main() {}
