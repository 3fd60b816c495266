// Command wasm is the cran plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o cran.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/cran"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(cran.Plugin{}) }

func main() {}
