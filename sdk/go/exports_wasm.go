//go:build wasip1

package sdk

// guest implements the world's exports for the generated trampolines
// (glue_gen_wasm.go) over the registered plugin.
var guest guestExports = pluginExports{}

type pluginExports struct{}

func (pluginExports) Describe() wInfo {
	info, err := DescribePlugin(plugin())
	if err != nil {
		info = Info{DisplayName: err.Error()}
	}
	c := DefaultCredentials
	if info.Credentials != nil {
		c = *info.Credentials
	}
	return wInfo{Key: info.Key, DisplayName: info.DisplayName, Version: info.Version, ContractVersion: info.ContractVersion,
		Mounts: info.Mounts, Capabilities: info.Capabilities, Credentials: c, Setup: info.Setup, Aliases: info.Aliases}
}

func (pluginExports) Handle(req Request) (wResponse, *wPluginError) {
	current = req
	defer func() { current = Request{} }()
	return responseResult(CallHandle(plugin(), wasmHost{}, &current))
}

// current is the request being handled: one variable instead of a heap copy
// per call (the guest handles one request at a time; a plugin must not keep
// the *Request past its call, see Plugin).
var current Request

func (pluginExports) ParseMetadata(digest, filename string) ([]byte, error) {
	return CallParseMetadata(plugin(), wasmHost{}, digest, filename)
}

func (pluginExports) Validate(digest, path string) error {
	return CallValidate(plugin(), wasmHost{}, digest, path)
}

func (pluginExports) GenerateIndex(path string) (wResponse, *wPluginError) {
	return responseResult(CallGenerateIndex(plugin(), wasmHost{}, path))
}

func (pluginExports) Classify(path string) CacheClass { return CallClassify(plugin(), path) }

func (pluginExports) Rewrite(path string, body []byte, upstreamBase, localBase string) (wDocument, error) {
	doc, err := callRewrite(plugin(), wasmHost{}, path, body, upstreamBase, localBase)
	return wDocument(doc), err
}

func (pluginExports) Merge(path string, docs [][]byte) (wDocument, error) {
	doc, err := CallMergeDocument(plugin(), wasmHost{}, path, docs)
	return wDocument(doc), err
}

// responseResult converts a response or an error (see AsError) to the WIT
// result<response, plugin-error>.
func responseResult(r *Response, err error) (wResponse, *wPluginError) {
	if err != nil {
		pe := AsError(err)
		return wResponse{}, &wPluginError{Status: uint16(pe.Status), Message: pe.Message}
	}
	w := wResponse{Status: uint16(r.Status), Headers: r.Headers, CacheTTLMs: r.CacheTTLMs}
	w.Body.Tag = uint8(r.Kind)
	switch r.Kind {
	case BodyBytes:
		w.Body.Bytes = r.Bytes
	case BodyServePath:
		w.Body.ServePath = r.Target
	case BodyServeBlob:
		w.Body.ServeBlob = r.Target
	case BodyAssembled:
		w.Body.Assembled = r.Target
	}
	return w, nil
}
