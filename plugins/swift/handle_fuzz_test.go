package swift_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/swift"
)

// FuzzHandle: no request, seeded with what SwiftPM sends, makes the plugin
// panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	body, ct := publishBody(sourceArchive("LinkedList", "1"), metadataJSON, []byte("sig"))
	plugintest.FuzzHandle(f, swift.Plugin{}, "swift", base, []plugintest.FuzzSeed{
		plugintest.Seed(2, "/mona/LinkedList/1.0.0", "", ct, body),
		plugintest.Seed(0, "/mona/LinkedList", "", "", nil),
		plugintest.Seed(0, "/mona/LinkedList/1.0.0", "", "", nil),
		plugintest.Seed(0, "/mona/LinkedList/1.0.0/Package.swift", "swift-version=5.8", "", nil),
		plugintest.Seed(0, "/mona/LinkedList/1.0.0.zip", "", "", nil),
		plugintest.Seed(0, "/identifiers", "url=https://github.com/mona/LinkedList", "", nil),
	})
}
