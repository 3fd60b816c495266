package helm

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// ParseProvenance reads the "files" section of a Helm provenance file: an
// OpenPGP clear-signed message holding the chart's Chart.yaml, a "..."
// separator, then "files: {<chart>.tgz: sha256:<hex>}".
// https://helm.sh/docs/topics/provenance/#the-provenance-file
// The signature itself is left to the client (`helm verify`).
func ParseProvenance(b []byte) (map[string]string, error) {
	if len(b) > MaxProvBytes {
		return nil, fmt.Errorf("provenance file is over %d bytes", MaxProvBytes)
	}
	const begin, sig = "-----BEGIN PGP SIGNED MESSAGE-----", "-----BEGIN PGP SIGNATURE-----"
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	if !strings.HasPrefix(strings.TrimLeft(s, "\n"), begin) {
		return nil, fmt.Errorf("provenance file is not an OpenPGP clear-signed message")
	}
	// The armor headers end at the first empty line; the signed text ends at the signature.
	_, body, ok := strings.Cut(s, "\n\n")
	if !ok {
		return nil, fmt.Errorf("provenance file: no signed text")
	}
	body, _, ok = strings.Cut(body, sig)
	if !ok {
		return nil, fmt.Errorf("provenance file: no signature block")
	}
	// Undo the clear-sign dash escaping (RFC 4880 section 7.1).
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "- ")
	}
	body = strings.Join(lines, "\n")
	i := strings.LastIndex(body, "\n...\n")
	if i < 0 {
		return nil, fmt.Errorf("provenance file: no files section")
	}
	var doc struct {
		Files map[string]string `yaml:"files"`
	}
	if err := yaml.NewDecoder(bytes.NewReader([]byte(body[i+5:]))).Decode(&doc); err != nil {
		return nil, fmt.Errorf("provenance file: files section: %v", err)
	}
	if len(doc.Files) == 0 {
		return nil, fmt.Errorf("provenance file names no files")
	}
	return doc.Files, nil
}
