package hex

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with publishes and registry reads, makes
// the plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, Plugin{}, "hex", "http://k/hex/r", []plugintest.FuzzSeed{
		plugintest.Seed(3, "/api/publish", "", "application/octet-stream", hexTarball(f, "mydep", "1.0.0", "[]", nil)),
		plugintest.Seed(3, "/api/packages/mydep/releases", "", "application/octet-stream",
			hexTarball(f, "mydep", "1.1.0", `[{<<"x">>,[{<<"app">>,<<"x">>},{<<"requirement">>,<<"~> 1.0">>}]}]`, nil)),
		plugintest.Seed(0, "/names", "", "", nil),
		plugintest.Seed(0, "/versions", "", "", nil),
		plugintest.Seed(0, "/packages/mydep", "", "", nil),
		plugintest.Seed(0, "/public_key", "", "", nil),
	})
}

// FuzzTerms: no input makes the metadata.config parser panic.
func FuzzTerms(f *testing.F) {
	f.Add(metadataConfig("mydep", "1.0.0", `[{<<"x">>,[{<<"requirement">>,<<"~> 1.0">>}]}]`))
	f.Add([]byte(`#{<<"a">> => [1, -2.5e3, 'q', "s\n", <<1,2>>]}.`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseTerms(b)
		_, _ = parseMetadata(b)
	})
}
