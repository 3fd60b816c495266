package cargo_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/cargo"
	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/ports"
	"github.com/keeper-registry/keeper/ports/porttest"
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// testHost is the SDK's fake host: it lists tar.gz archives with the real
// host's caps (ScanLimit lowers the decompressed-bytes one) and commits
// versions, all the cargo plugin needs natively.
type testHost = fakehost.Host

func newTestHost(repo *sdk.RepoContext) *testHost { return fakehost.New(repo) }

// memHost is the host-side in-memory host, listing committed versions.
type memHost = *porttest.MemHost

func newMemHost() memHost { return porttest.NewMemHost() }

// nativeHandle runs the plugin natively against a ports.HostCall; plugin
// errors below 500 become their status and message.
func nativeHandle(t testing.TB, h ports.HostCall, req ports.FormatRequest) ports.FormatResponse {
	resp, err := plugintest.NativeHandle(cargo.Plugin{}, h, req)
	if err != nil {
		e := sdk.AsError(err)
		if e.Status >= 500 {
			t.Fatalf("native: %v", err)
		}
		return ports.FormatResponse{Status: e.Status, Body: []byte(e.Message)}
	}
	return resp
}
