package pypi

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// yankNS is the plugin key-value namespace of yanked files; keys are
// "<normalized project>/<filename>", values YankInfo JSON.
const yankNS = "yank"

const maxYankBody = 64 << 10

// YankInfo is the stored yank state of one file (PEP 592).
type YankInfo struct {
	Reason string `json:"reason"`
}

// YankRequest is the body of Keeper's yank endpoint, POST {repo}/yank
// (PyPI has no upload-API call for yanking; this one is Keeper's):
// project plus version (every file of it) or filename; "yanked": false un-yanks.
type YankRequest struct {
	Project  string `json:"project"`
	Version  string `json:"version"`
	Filename string `json:"filename"`
	Reason   string `json:"reason"`
	Yanked   *bool  `json:"yanked"`
}

func yankState(h sdk.Host, norm string) (map[string]YankInfo, error) {
	out := map[string]YankInfo{}
	err := sdk.EachKV(h, yankNS, norm+"/", maxListed, func(kv sdk.KVEntry) error {
		var y YankInfo
		_ = json.Unmarshal(kv.Value, &y)
		out[strings.TrimPrefix(kv.Key, norm+"/")] = y
		return nil
	})
	return out, err
}

// yank marks files yanked (PEP 592) or un-yanks them.
// https://peps.python.org/pep-0592/
func yank(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.Body == nil || req.Body.Size == 0 {
		return nil, sdk.Errorf(400, "yank needs a JSON body {project, version|filename, reason}")
	}
	if req.Body.Size > maxYankBody {
		return nil, sdk.Errorf(400, "yank body over %d bytes", maxYankBody)
	}
	b, err := h.ReadBlob(req.Body.Digest, 0, uint32(req.Body.Size))
	if err != nil {
		return nil, err
	}
	var yr YankRequest
	if err := json.Unmarshal(b, &yr); err != nil {
		return nil, sdk.Errorf(400, "yank body is not JSON: %v", err)
	}
	if yr.Project == "" || (yr.Version == "") == (yr.Filename == "") {
		return nil, sdk.Errorf(400, "yank needs project and exactly one of version or filename")
	}
	if len(yr.Reason) > 1000 {
		return nil, sdk.Errorf(400, "yank reason over 1000 bytes")
	}
	norm := Normalize(yr.Project)
	files, err := projectFiles(h, norm)
	if err != nil {
		return nil, err
	}
	var hit []string
	for _, l := range files {
		if (yr.Filename != "" && l.meta.Filename == yr.Filename) || (yr.Version != "" && sameVersion(l.meta.Version, yr.Version)) {
			hit = append(hit, l.meta.Filename)
		}
	}
	if len(hit) == 0 {
		return nil, sdk.Errorf(404, "no file of %s matches", yr.Project)
	}
	on := yr.Yanked == nil || *yr.Yanked
	for _, fn := range hit {
		if on {
			v, _ := json.Marshal(YankInfo{Reason: yr.Reason})
			err = h.KVPut(yankNS, norm+"/"+fn, v)
		} else {
			err = h.KVDelete(yankNS, norm+"/"+fn)
		}
		if err != nil {
			return nil, err
		}
	}
	body, _ := json.Marshal(map[string]any{"project": norm, "yanked": on, "files": hit})
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: body,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// deleteFile removes a distribution, its .metadata and its yank state.
func deleteFile(h sdk.Host, p string) (*sdk.Response, error) {
	rest := strings.TrimPrefix(p, "packages/")
	norm, fn, ok := strings.Cut(rest, "/")
	if !ok || strings.Contains(fn, "/") || strings.HasSuffix(fn, ".metadata") {
		return nil, sdk.Errorf(404, "not found")
	}
	f, err := h.GetFile(p)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, sdk.Errorf(404, "file %s not found", fn)
	}
	if err := h.StageDelete(p); err != nil {
		return nil, err
	}
	if m, err := h.GetFile(p + ".metadata"); err != nil {
		return nil, err
	} else if m != nil {
		if err := h.StageDelete(p + ".metadata"); err != nil {
			return nil, err
		}
	}
	if _, ok, err := h.KVGet(yankNS, norm+"/"+fn); err != nil {
		return nil, err
	} else if ok {
		if err := h.KVDelete(yankNS, norm+"/"+fn); err != nil {
			return nil, err
		}
	}
	// Drop the version (and with its last version the project) once no file is left.
	files, err := projectFiles(h, norm)
	if err != nil {
		return nil, err
	}
	left := false
	for _, l := range files {
		if l.f.Path != p && l.f.Version == f.Version {
			left = true
		}
	}
	if !left && f.Version != "" {
		if err := h.StageVersion(sdk.VersionPut{Package: norm, Version: f.Version, Delete: true}); err != nil {
			return nil, err
		}
	}
	return &sdk.Response{Status: 204}, nil
}
