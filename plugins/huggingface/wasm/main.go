// Command wasm is the Hugging Face hub plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o huggingface.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/huggingface"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(huggingface.Plugin{}) }

func main() {}
