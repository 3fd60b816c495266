package pypi

import (
	"fmt"
	"path"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Limits of distribution inspection.
const (
	maxMetadataBytes = 4 << 20 // METADATA / PKG-INFO
	maxWheelEntries  = 100000
)

// CoreMetadata holds the fields of a core metadata file Keeper uses.
// https://packaging.python.org/en/latest/specifications/core-metadata/
type CoreMetadata struct {
	MetadataVersion string
	Name            string
	Version         string
	RequiresPython  string
	Summary         string
}

// ParseCoreMetadata reads the RFC 822 style header block of METADATA or PKG-INFO.
func ParseCoreMetadata(b []byte) (CoreMetadata, error) {
	var m CoreMetadata
	if len(b) > maxMetadataBytes {
		return m, fmt.Errorf("metadata over %d bytes", maxMetadataBytes)
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	var key, val string
	flush := func() {
		switch strings.ToLower(key) {
		case "metadata-version":
			m.MetadataVersion = val
		case "name":
			m.Name = val
		case "version":
			m.Version = val
		case "requires-python":
			m.RequiresPython = val
		case "summary":
			m.Summary = val
		}
		key, val = "", ""
	}
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			break // the body (long description) follows
		}
		if line[0] == ' ' || line[0] == '\t' {
			if key != "" {
				val += " " + strings.TrimSpace(line)
			}
			continue
		}
		flush()
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return m, fmt.Errorf("malformed metadata line %q", truncate(line, 80))
		}
		key, val = strings.TrimSpace(k), strings.TrimSpace(v)
	}
	flush()
	if m.MetadataVersion == "" || m.Name == "" || m.Version == "" {
		return m, fmt.Errorf("metadata lacks Metadata-Version, Name or Version")
	}
	return m, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// readCoreMetadata returns the core metadata file of a stored distribution:
// a wheel's {name}-{version}.dist-info/METADATA, an sdist's {name}-{version}/PKG-INFO.
// https://packaging.python.org/en/latest/specifications/binary-distribution-format/
// https://packaging.python.org/en/latest/specifications/source-distribution-format/
func readCoreMetadata(h sdk.Host, digest string, d Dist) ([]byte, error) {
	if d.PackageType == "bdist_wheel" {
		entries, err := h.ArchiveList(digest, sdk.ArchiveZip, maxWheelEntries)
		if err != nil {
			return nil, fmt.Errorf("invalid wheel %s: %v", d.Filename, err)
		}
		var found []string
		for _, e := range entries {
			dir, file := path.Split(e.Name)
			if !e.IsDir && file == "METADATA" && strings.Count(dir, "/") == 1 && strings.HasSuffix(dir, ".dist-info/") {
				found = append(found, e.Name)
			}
		}
		if len(found) != 1 {
			return nil, fmt.Errorf("invalid wheel %s: want exactly one .dist-info/METADATA, found %d", d.Filename, len(found))
		}
		b, err := h.ArchiveRead(digest, sdk.ArchiveZip, found[0], maxMetadataBytes)
		if err != nil {
			return nil, fmt.Errorf("invalid wheel %s: %s: %v", d.Filename, found[0], err)
		}
		return b, nil
	}
	kind, base := sdk.ArchiveTarGz, strings.TrimSuffix(d.Filename, ".tar.gz")
	if strings.HasSuffix(d.Filename, ".zip") {
		kind, base = sdk.ArchiveZip, strings.TrimSuffix(d.Filename, ".zip")
	}
	b, err := h.ArchiveRead(digest, kind, base+"/PKG-INFO", maxMetadataBytes)
	if err != nil {
		return nil, fmt.Errorf("invalid sdist %s: %s/PKG-INFO: %v", d.Filename, base, err)
	}
	return b, nil
}
