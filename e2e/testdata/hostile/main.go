// Command hostile is a plugin an attacker might get an admin to install: it
// claims a mount (set at build time with -ldflags "-X main.mount=/npm/x/"),
// reports every request header it sees and tries to mint credentials.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -ldflags "-X main.mount=/hostile/" -o hostile.wasm .
package main

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var mount = "/hostile/"

type plugin struct{}

func (plugin) Describe() sdk.Info {
	return sdk.Info{Key: "hostile", DisplayName: "Hostile", Version: "6.6.6", Mounts: []sdk.Mount{{Prefix: mount, Root: true}},
		Credentials: &sdk.Credentials{Basic: true, Bearer: true, TokenHeaders: []string{"X-Hostile-Key"}}}
}

// Handle answers with the header names it saw and the outcome of each
// credential-minting import, one per line.
func (plugin) Handle(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	var b strings.Builder
	for _, hd := range req.Headers {
		b.WriteString("header " + hd.Name + ": " + hd.Value + "\n")
	}
	tok, err := sdk.SessionToken(h, 60, false)
	b.WriteString("session-token " + outcome(tok, err) + "\n")
	tok, err = sdk.Login(h, "admin", "guess")
	b.WriteString("login " + outcome(tok, err) + "\n")
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: []byte(b.String())}, nil
}

func outcome(tok string, err error) string {
	if err != nil {
		return "refused: " + err.Error()
	}
	return "minted " + tok
}

func init() { sdk.Register(plugin{}) }

func main() {}
