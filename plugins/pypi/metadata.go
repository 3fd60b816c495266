package pypi

import (
	"encoding/json"
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.MetadataParser = Plugin{}

// ParseMetadata implements sdk.MetadataParser for the host's curation of
// remote repositories: the name (normalized, PEP 503: the name pip and
// PyPI's URLs use), version and license(s) of a wheel's
// METADATA, an sdist's PKG-INFO or a PEP 658 ".metadata" file, read from
// the core metadata (https://packaging.python.org/en/latest/specifications/core-metadata/):
// License-Expression (PEP 639, SPDX) when present, else a one-line License
// field, plus the SPDX id of each "License ::" classifier Keeper knows.
func (Plugin) ParseMetadata(h sdk.Host, digest, filename string) ([]byte, error) {
	var b []byte
	var err error
	if strings.HasSuffix(filename, ".metadata") {
		b, err = h.ReadBlob(digest, 0, maxMetadataBytes+1)
		if err != nil {
			return nil, fmt.Errorf("pypi: read %s: %w", filename, err)
		}
	} else {
		d, perr := ParseFilename(filename)
		if perr != nil {
			return nil, perr
		}
		if b, err = readCoreMetadata(h, digest, d); err != nil {
			return nil, err
		}
	}
	m, err := ParseCoreMetadata(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	return json.Marshal(map[string]any{"name": Normalize(m.Name), "version": m.Version, "licenses": coreLicenses(b)})
}

// maxLicenseField is the longest License field taken as a license name:
// longer ones hold the license text itself.
const maxLicenseField = 100

// coreLicenses reads the license fields of a core metadata header block
// (ParseCoreMetadata has checked its size and shape).
func coreLicenses(b []byte) []string {
	var expr, free string
	var classified []string
	for _, line := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "license-expression":
			expr = v
		case "license":
			free = v
		case "classifier":
			if id := classifierLicense(v); id != "" {
				classified = append(classified, id)
			}
		}
	}
	out := []string{}
	switch {
	case expr != "":
		out = append(out, expr)
	case free != "" && len(free) <= maxLicenseField && !strings.EqualFold(free, "UNKNOWN"):
		out = append(out, free)
	}
	return append(out, classified...)
}

// licenseClassifiers maps the Trove license classifiers
// (https://pypi.org/classifiers/) to SPDX ids.
var licenseClassifiers = map[string]string{
	"MIT License":                                     "MIT",
	"Apache Software License":                         "Apache-2.0",
	"BSD License":                                     "BSD-3-Clause",
	"ISC License (ISCL)":                              "ISC",
	"Mozilla Public License 2.0 (MPL 2.0)":            "MPL-2.0",
	"GNU General Public License v2 (GPLv2)":           "GPL-2.0-only",
	"GNU General Public License v3 (GPLv3)":           "GPL-3.0-only",
	"GNU Affero General Public License v3":            "AGPL-3.0-only",
	"GNU Lesser General Public License v2 (LGPLv2)":   "LGPL-2.0-only",
	"GNU Lesser General Public License v3 (LGPLv3)":   "LGPL-3.0-only",
	"GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
	"GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
	"The Unlicense (Unlicense)":                       "Unlicense",
	"Python Software Foundation License":              "PSF-2.0",
}

// classifierLicense is the SPDX id of a "License :: …" classifier, "" for
// other classifiers and licenses without one.
func classifierLicense(c string) string {
	if !strings.HasPrefix(c, "License ::") {
		return ""
	}
	parts := strings.Split(c, "::")
	return licenseClassifiers[strings.TrimSpace(parts[len(parts)-1])]
}
