// Command wasm is the ansible plugin built as a Keeper format module:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o ansible.wasm ./wasm
package main

import (
	"github.com/keeper-registry/keeper/plugins/ansible"
	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func init() { sdk.Register(ansible.Plugin{}) }

func main() {}
