package openvsx

import (
	"encoding/json"
	"encoding/xml"
	"path"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Limits of an uploaded VSIX. Open VSX refuses packages beyond its
// configured size; Keeper refuses archives that unpack beyond maxUnpacked
// (a zip bomb) or hold more than maxEntries entries.
const (
	maxEntries  = 20_000
	maxUnpacked = 256 << 20
	maxManifest = 1 << 20
	maxDoc      = 1 << 20
)

// packageJSON is the part of extension/package.json this plugin reads
// (https://code.visualstudio.com/api/references/extension-manifest).
type packageJSON struct {
	Publisher     string            `json:"publisher"`
	Name          string            `json:"name"`
	Version       string            `json:"version"`
	DisplayName   string            `json:"displayName"`
	Description   string            `json:"description"`
	Engines       map[string]string `json:"engines"`
	Categories    []string          `json:"categories"`
	Keywords      []string          `json:"keywords"`
	License       string            `json:"license"`
	Homepage      string            `json:"homepage"`
	Repository    json.RawMessage   `json:"repository"`
	Bugs          json.RawMessage   `json:"bugs"`
	ExtensionDeps []string          `json:"extensionDependencies"`
	ExtensionPack []string          `json:"extensionPack"`
	Preview       bool              `json:"preview"`
}

// vsixManifest is the part of extension.vsixmanifest this plugin checks
// (the VSIX 2.0 schema vsce writes: PackageManifest/Metadata/Identity).
type vsixManifest struct {
	Metadata struct {
		Identity struct {
			ID             string `xml:"Id,attr"`
			Version        string `xml:"Version,attr"`
			Publisher      string `xml:"Publisher,attr"`
			TargetPlatform string `xml:"TargetPlatform,attr"`
		} `xml:"Identity"`
		Properties struct {
			Property []struct {
				ID    string `xml:"Id,attr"`
				Value string `xml:"Value,attr"`
			} `xml:"Property"`
		} `xml:"Properties"`
	} `xml:"Metadata"`
}

// vsix is a checked upload: its package.json (raw and parsed), whether it
// is a pre-release, and the entries of the documents it carries.
type vsix struct {
	raw        []byte
	pkg        packageJSON
	preRelease bool
	docs       map[string]string // "readme", "changelog", "license" → entry name
}

func urlOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		URL string `json:"url"`
	}
	_ = json.Unmarshal(raw, &o)
	return o.URL
}

// readVSIX checks the VSIX's entries (clean relative names, the unpacked
// size) and reads and cross-checks extension/package.json and
// extension.vsixmanifest.
func readVSIX(h sdk.Host, digest string) (*vsix, error) {
	entries, err := h.ArchiveList(digest, sdk.ArchiveZip, maxEntries)
	if err != nil {
		return nil, fail(400, "invalid VSIX (a zip archive is expected): "+err.Error())
	}
	var total uint64
	var hasPkg, hasManifest bool
	v := &vsix{docs: map[string]string{}}
	for _, e := range entries {
		n := strings.TrimSuffix(e.Name, "/")
		if n == "" || strings.HasPrefix(e.Name, "/") || strings.Contains(n, "\\") || path.Clean(n) != n ||
			n == ".." || strings.HasPrefix(n, "../") {
			return nil, fail(400, "invalid VSIX: entry "+quote(e.Name)+" is not a clean relative path")
		}
		if total += e.Size; total > maxUnpacked {
			return nil, fail(400, "invalid VSIX: it unpacks to more than "+strconv.Itoa(maxUnpacked>>20)+" MiB")
		}
		switch low := strings.ToLower(n); {
		case n == "extension/package.json":
			hasPkg = true
		case n == "extension.vsixmanifest":
			hasManifest = true
		case low == "extension/readme.md":
			v.docs["readme"] = n
		case low == "extension/changelog.md":
			v.docs["changelog"] = n
		case low == "extension/license" || low == "extension/license.md" || low == "extension/license.txt":
			v.docs["license"] = n
		}
	}
	if !hasPkg || !hasManifest {
		return nil, fail(400, "invalid VSIX: extension/package.json and extension.vsixmanifest are required")
	}
	if v.raw, err = h.ArchiveRead(digest, sdk.ArchiveZip, "extension/package.json", maxManifest); err != nil {
		return nil, fail(400, "invalid VSIX: extension/package.json: "+err.Error())
	}
	if err := json.Unmarshal(v.raw, &v.pkg); err != nil {
		return nil, fail(400, "invalid VSIX: extension/package.json is not valid JSON: "+err.Error())
	}
	p := v.pkg
	switch {
	case !validName(p.Publisher):
		return nil, fail(400, "package.json: publisher "+quote(p.Publisher)+" is not a valid namespace name")
	case !validName(p.Name):
		return nil, fail(400, "package.json: name "+quote(p.Name)+" is not a valid extension name")
	case !validVersion(p.Version):
		return nil, fail(400, "package.json: version "+quote(p.Version)+" is not a semantic version")
	case p.Engines["vscode"] == "":
		return nil, fail(400, "package.json: engines.vscode is required")
	}
	rawManifest, err := h.ArchiveRead(digest, sdk.ArchiveZip, "extension.vsixmanifest", maxManifest)
	if err != nil {
		return nil, fail(400, "invalid VSIX: extension.vsixmanifest: "+err.Error())
	}
	var m vsixManifest
	if err := xml.Unmarshal(rawManifest, &m); err != nil {
		return nil, fail(400, "invalid VSIX: extension.vsixmanifest is not valid XML: "+err.Error())
	}
	id := m.Metadata.Identity
	if !strings.EqualFold(id.Publisher, p.Publisher) || !strings.EqualFold(id.ID, p.Name) || id.Version != p.Version {
		return nil, fail(400, "extension.vsixmanifest names "+id.Publisher+"."+id.ID+" "+id.Version+
			", package.json "+p.Publisher+"."+p.Name+" "+p.Version)
	}
	if id.TargetPlatform != "" && id.TargetPlatform != "universal" {
		return nil, fail(400, "target platform "+quote(id.TargetPlatform)+" is not supported: publish a universal VSIX")
	}
	for _, prop := range m.Metadata.Properties.Property {
		if prop.ID == "Microsoft.VisualStudio.Code.PreRelease" && prop.Value == "true" {
			v.preRelease = true
		}
	}
	return v, nil
}
