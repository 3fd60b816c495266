// Command wasm is the Maven plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o maven.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/maven"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(maven.Plugin{}) }

func main() {}
