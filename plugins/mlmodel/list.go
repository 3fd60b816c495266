package mlmodel

import (
	"encoding/json"
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
// SHA-256, and the card's metadata.
func listFiles(h sdk.Host, model, version string) (*sdk.Response, error) {
	type file struct {
		Path   string `json:"path"`
		Size   uint64 `json:"size"`
		SHA256 string `json:"sha256"`
	}
	prefix := model + "/" + version + "/"
	files := []file{}
	var card json.RawMessage
	err := sdk.EachFile(h, prefix, "", maxList, func(f sdk.File) error {
		files = append(files, file{Path: strings.TrimPrefix(f.Path, prefix), Size: f.Size, SHA256: f.SHA256})
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
	return jsonResponse(map[string]any{"model": model, "version": version, "files": files, "card": card})
}
