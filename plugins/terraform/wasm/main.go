// Command wasm is the terraform plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o terraform.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/terraform"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(terraform.Plugin{}) }

func main() {}
