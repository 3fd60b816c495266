package mlmodel

import (
	"encoding/json"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func jsonResponse(v any) (*sdk.Response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: append(b, '\n'),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// listModels answers GET /: the models, by name.
func listModels(h sdk.Host) (*sdk.Response, error) {
	models := []string{}
	err := sdk.EachPackage(h, "", maxList, func(p sdk.PackageInfo) error {
		models = append(models, p.Name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return jsonResponse(map[string]any{"models": models})
}

// listVersions answers GET /<model>/: the versions and their cards.
func listVersions(h sdk.Host, model string) (*sdk.Response, error) {
	type version struct {
		Version string          `json:"version"`
		Card    json.RawMessage `json:"card,omitempty"`
	}
	out := []version{}
	err := sdk.EachVersion(h, model, maxList, func(v sdk.VersionInfo) error {
		out = append(out, version{Version: v.Version, Card: rawOrNil(v.Metadata)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, sdk.Errorf(404, "no model %s", model)
	}
	return jsonResponse(map[string]any{"model": model, "versions": out})
}

func rawOrNil(b []byte) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return nil
	}
	return b
}

// listFiles answers GET /<model>/<version>/: the files with size and
// SHA-256, and the card's metadata. It writes the JSON by hand (as
// json.Marshal writes the map {"card", "files", "model", "version"}):
// encoding/json's reflection over every file was most of its wasm cost.
// The host writes the listing as text when it can (textFiles).
func listFiles(h sdk.Host, model, version string) (*sdk.Response, error) {
	if r, ok, err := textFiles(h, model, version); ok || err != nil {
		return r, err
	}
	return renderFiles(h, model, version)
}

// renderFiles is listFiles over the file rows.
func renderFiles(h sdk.Host, model, version string) (*sdk.Response, error) {
	type file struct {
		path, sha256 string
		size         uint64
	}
	prefix := model + "/" + version + "/"
	var files []file
	var card json.RawMessage
	size := 0
	err := sdk.EachFile(h, prefix, "", maxList, func(f sdk.File) error {
		files = append(files, file{path: strings.TrimPrefix(f.Path, prefix), sha256: f.SHA256, size: f.Size})
		size += len(f.Path) + len(f.SHA256)
		if m := rawOrNil(f.Metadata); m != nil {
			card = m
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, sdk.Errorf(404, "no version %s of %s", version, model)
	}
	c, err := json.Marshal(card)
	if err != nil {
		return nil, err
	}
	// Room for every file with its escapes as \u00XX (6 bytes) taken as rare.
	b := make([]byte, 0, len(c)+size+len(files)*64+2*len(model)+2*len(version)+64)
	b = append(append(append(b, `{"card":`...), c...), `,"files":[`...)
	for i, f := range files {
		if i > 0 {
			b = append(b, ',')
		}
		b = sdk.AppendJSONString(append(b, `{"path":`...), f.path)
		b = strconv.AppendUint(append(b, `,"size":`...), f.size, 10)
		b = append(sdk.AppendJSONString(append(b, `,"sha256":`...), f.sha256), '}')
	}
	b = append(sdk.AppendJSONString(append(sdk.AppendJSONString(append(b, `],"model":`...), model), `,"version":`...), version), "}\n"...)
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}
