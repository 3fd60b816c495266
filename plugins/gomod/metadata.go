package gomod

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.MetadataParser = Plugin{}

// maxInfo caps a .info file read (the go command's are a few dozen bytes).
const maxInfo = 64 << 10

// ParseMetadata implements sdk.MetadataParser for the host's curation of
// remote repositories (https://go.dev/ref/mod#goproxy-protocol): a module
// zip gives the module path and version of its "module@version/" entry
// prefix, a .mod file its module directive (the version from the file
// name, vX.Y.Z.mod), a .info file the version and its Time as the
// publication date (no module path: the file does not hold it). Go
// modules declare no license, so none is given.
func (Plugin) ParseMetadata(h sdk.Host, digest, filename string) ([]byte, error) {
	out := map[string]any{"licenses": []string{}}
	switch {
	case strings.HasSuffix(filename, ".zip"):
		entries, err := h.ArchiveList(digest, sdk.ArchiveZip, MaxZipEntries)
		if err != nil {
			return nil, fmt.Errorf("gomod: %s is not a readable zip: %w", filename, err)
		}
		prefix := ""
		for _, e := range entries {
			at := strings.IndexByte(e.Name, '@')
			slash := strings.IndexByte(e.Name[max(at, 0):], '/')
			if at <= 0 || slash < 0 || prefix != "" && e.Name[:at+slash] != prefix {
				return nil, fmt.Errorf("gomod: %s: entry %q is not under one module@version/", filename, e.Name)
			}
			prefix = e.Name[:at+slash]
		}
		if prefix == "" {
			return nil, fmt.Errorf("gomod: %s is empty", filename)
		}
		mod, ver, _ := strings.Cut(prefix, "@")
		out["name"], out["version"] = mod, ver
	case strings.HasSuffix(filename, ".mod"):
		b, err := h.ReadBlob(digest, 0, MaxGoMod+1)
		if err != nil {
			return nil, fmt.Errorf("gomod: read %s: %w", filename, err)
		}
		if len(b) > MaxGoMod {
			return nil, fmt.Errorf("gomod: %s is larger than %d bytes", filename, MaxGoMod)
		}
		mod := moduleDirective(string(b))
		if mod == "" {
			return nil, fmt.Errorf("gomod: %s has no module directive", filename)
		}
		out["name"], out["version"] = mod, strings.TrimSuffix(filename, ".mod")
	case strings.HasSuffix(filename, ".info"):
		b, err := h.ReadBlob(digest, 0, maxInfo+1)
		if err != nil {
			return nil, fmt.Errorf("gomod: read %s: %w", filename, err)
		}
		var info struct {
			Version string
			Time    time.Time
		}
		if len(b) > maxInfo || json.Unmarshal(b, &info) != nil || info.Version == "" {
			return nil, fmt.Errorf("gomod: %s is not a version info document", filename)
		}
		out["version"] = info.Version
		if !info.Time.IsZero() {
			out["published"] = info.Time.UTC().Format(time.RFC3339)
		}
	default:
		return nil, fmt.Errorf("gomod: %s holds no module metadata", filename)
	}
	return json.Marshal(out)
}

// moduleDirective returns the module path of a go.mod
// (https://go.dev/ref/mod#go-mod-file-module), "" when it has none.
func moduleDirective(doc string) string {
	for _, line := range strings.Split(doc, "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) != 2 || f[0] != "module" {
			continue
		}
		if p, err := strconv.Unquote(f[1]); err == nil {
			return p
		}
		return f[1]
	}
	return ""
}
