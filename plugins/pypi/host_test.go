package pypi

import (
	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// testHost is the SDK's fake host: it reads zip and tar.gz archives like
// the wasm host (zip-ratio refusal included) and lists the packages of
// committed versions, all the PyPI plugin needs natively.
type testHost struct{ *fakehost.Host }

func newTestHost() *testHost {
	return &testHost{fakehost.New(&sdk.RepoContext{Key: "py", Format: "pypi", Kind: "local", BaseURL: "http://k/pypi/py"})}
}
