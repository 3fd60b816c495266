package swift_test

import (
	"testing"
	"time"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/swift"
	"github.com/keeper-registry/keeper/ports"
)

var wasmLimits = ports.PluginLimits{CallTimeout: 120 * time.Second}

// TestNativeMatchesWasm runs the publish and resolve replay, refusals and
// every document through the native plugin and through its .wasm on
// adapters/wasm (whose host reads the zips and the multipart body), each
// against its own in-memory host, and requires identical outcomes and
// staged writes.
func TestNativeMatchesWasm(t *testing.T) {
	d := plugintest.New(t, "swift", swift.Plugin{}, ".", wasmLimits)
	d.Repo = &ports.RepoContext{Key: "spm", Type: "local", Format: "swift", BaseURL: base}
	d.User = "alice"
	get := func(p, q, accept string) ports.FormatRequest {
		return ports.FormatRequest{Method: "GET", Path: p, RawQuery: q, Headers: []ports.Header{{Name: "Accept", Value: accept}}}
	}
	put := func(path string, archive []byte, metadata string, sig []byte) ports.FormatRequest {
		body, ct := publishBody(archive, metadata, sig)
		hs := []ports.Header{{Name: "Content-Type", Value: ct}, {Name: "Accept", Value: acceptJSON}}
		if sig != nil {
			hs = append(hs, ports.Header{Name: "X-Swift-Package-Signature-Format", Value: "cms-1.0.0"})
		}
		return ports.FormatRequest{Method: "PUT", Path: path, Body: d.Body(body), Headers: hs}
	}
	good := sourceArchive("LinkedList", "1")
	d.Run([]ports.FormatRequest{
		put("/mona/LinkedList/1.0.0", good, "", nil),
		put("/mona/LinkedList/1.1.0", sourceArchive("LinkedList", "2"), metadataJSON, nil),
		put("/mona/LinkedList/2.0.0", sourceArchive("LinkedList", "3"), metadataJSON, []byte("sig")),
		put("/mona/LinkedList/1.0.0", good, "", nil),
		put("/mona/LinkedList/1.2.0", good[:len(good)/2], "", nil),
		put("/mona/LinkedList/1.2.0", zipOf("", map[string]string{"A/Package.swift": "x", "B/y": "y"}), "", nil),
		put("/mona/LinkedList/1.2.0", good, "{bad", nil),
		get("/mona/LinkedList", "", acceptJSON),
		get("/mona/LinkedList/1.1.0", "", acceptJSON),
		get("/mona/LinkedList/2.0.0.json", "", acceptJSON),
		get("/mona/LinkedList/1.1.0/Package.swift", "", acceptSwift),
		get("/mona/LinkedList/1.1.0/Package.swift", "swift-version=5.8", acceptSwift),
		get("/mona/LinkedList/1.1.0/Package.swift", "swift-version=4", acceptSwift),
		get("/Mona/linkedlist/1.0.0.zip", "", acceptZip),
		get("/mona/LinkedList/2.0.0.zip", "", acceptZip),
		get("/identifiers", "url=https://github.com/mona/LinkedList.git", acceptJSON),
		get("/mona/Nothing", "", acceptJSON),
		get("/mona/LinkedList", "", "application/vnd.swift.registry.v2+json"),
	})
}
