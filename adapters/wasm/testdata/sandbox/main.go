// Command sandbox is a test plugin that tries to reach files, the
// environment and the network, and reports what it got.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

type p struct{}

func (p) Describe() sdk.Info { return sdk.Info{Key: "sandbox", Version: "0"} }

func (p) Handle(h sdk.Host, r *sdk.Request) (*sdk.Response, error) {
	out := map[string]string{}
	if b, err := os.ReadFile("/etc/passwd"); err == nil {
		out["file"] = fmt.Sprintf("read %d bytes", len(b))
	}
	if f, err := os.Create("/tmp/keeper-sandbox-escape"); err == nil {
		f.Close()
		out["create"] = "created"
	}
	if ents, err := os.ReadDir("/"); err == nil && len(ents) > 0 {
		out["readdir"] = fmt.Sprint(len(ents))
	}
	if env := os.Environ(); len(env) > 0 {
		out["env"] = fmt.Sprint(env)
	}
	// The request path names a real listener of the host (Go's wasip1 net
	// package only has an in-process fake network; nothing may reach it).
	if c, err := net.Dial("tcp", r.Path[1:]); err == nil {
		c.Write([]byte("escaped"))
		c.Close()
		out["net"] = "dialed"
	}
	fmt.Println("sandbox plugin says hello on stdout")
	b, _ := json.Marshal(out)
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b}, nil
}

func init() { sdk.Register(p{}) }

func main() {}
