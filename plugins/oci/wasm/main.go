// Command wasm is the OCI plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o oci.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/oci"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(oci.Plugin{}) }

func main() {}
