package plugin

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// Manifest is manifest.json inside a plugin .zip package.
type Manifest struct {
	Name        string         `json:"name"`
	Version     string         `json:"version"`
	Format      string         `json:"format"`
	Description string         `json:"description"`
	Limits      ManifestLimits `json:"limits"`
}

// ManifestLimits are the resource limits a package asks for.
type ManifestLimits struct {
	MemoryPages   uint32 `json:"memory_pages"`
	CallTimeoutMS int64  `json:"call_timeout_ms"`
	PoolSize      int    `json:"pool_size"`
}

func (l ManifestLimits) limits() ports.PluginLimits {
	return ports.PluginLimits{MemoryPages: l.MemoryPages, CallTimeout: time.Duration(l.CallTimeoutMS) * time.Millisecond, PoolSize: l.PoolSize}
}

const maxManifestBytes = 64 << 10

var (
	wasmMagic = []byte("\x00asm")
	zipMagic  = []byte("PK\x03\x04")
	idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
)

// parsePackage accepts a raw .wasm module, or a .zip holding manifest.json
// (optional) and exactly one .wasm, and returns the manifest and module.
func parsePackage(data []byte, maxModule int64) (Manifest, []byte, error) {
	var man Manifest
	switch {
	case bytes.HasPrefix(data, wasmMagic):
		return man, data, nil
	case bytes.HasPrefix(data, zipMagic):
	default:
		return man, nil, ports.Invalidf("file", "not a WebAssembly module (\\0asm) or a .zip plugin package")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return man, nil, ports.Invalidf("file", "unreadable zip: %v", err)
	}
	var module []byte
	sawManifest := false
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		name := path.Base(f.Name)
		switch {
		case name == "manifest.json":
			if sawManifest {
				return man, nil, ports.Invalidf("manifest.json", "appears twice in the package")
			}
			sawManifest = true
			b, err := readZipFile(f, maxManifestBytes)
			if err != nil {
				return man, nil, err
			}
			if err := json.Unmarshal(b, &man); err != nil {
				return man, nil, ports.Invalidf("manifest.json", "not valid JSON: %v", err)
			}
		case strings.HasSuffix(name, ".wasm"):
			if module != nil {
				return man, nil, ports.Invalidf("file", "the package holds more than one .wasm module")
			}
			if module, err = readZipFile(f, maxModule); err != nil {
				return man, nil, err
			}
			if !bytes.HasPrefix(module, wasmMagic) {
				return man, nil, ports.Invalidf(f.Name, "is not a WebAssembly module")
			}
		}
	}
	if module == nil {
		return man, nil, ports.Invalidf("file", "the package holds no .wasm module")
	}
	if man.Name != "" && !idPattern.MatchString(man.Name) {
		return man, nil, ports.Invalidf("manifest.json", "name %q must match %s", man.Name, idPattern)
	}
	return man, module, nil
}

// readZipFile reads one entry, refusing more than limit bytes whatever the
// header claims (a zip bomb's header lies).
func readZipFile(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("plugin: %s is larger than %d bytes: %w", f.Name, limit, ports.ErrTooLarge)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, ports.Invalidf(f.Name, "unreadable: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, ports.Invalidf(f.Name, "unreadable: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("plugin: %s is larger than %d bytes: %w", f.Name, limit, ports.ErrTooLarge)
	}
	return b, nil
}

// checkInfo verifies what describe returned.
func checkInfo(info ports.FormatInfo) error {
	if !slices.Contains(ports.SupportedContracts, info.ContractVersion) {
		return ports.Invalidf("module", "built against contract %q; this server loads %s", info.ContractVersion, ports.SupportedContractsText())
	}
	if !idPattern.MatchString(info.Key) {
		return ports.Invalidf("module", "describe returned format key %q, which must match %s", info.Key, idPattern)
	}
	if len(info.Mounts) == 0 {
		return ports.Invalidf("module", "describe declares no mounts")
	}
	for _, m := range info.Mounts {
		if !strings.HasPrefix(m.Prefix, "/") || len(m.Prefix) < 2 || strings.HasPrefix(m.Prefix, "/api/") || strings.Contains(m.Prefix, "..") {
			return ports.Invalidf("module", "mount %q must start with / and may not claim /, /api/ or contain ..", m.Prefix)
		}
	}
	for _, h := range info.Credentials.TokenHeaders {
		if !headerName.MatchString(h) || reservedHeaders[strings.ToLower(h)] {
			return ports.Invalidf("module", "token header %q is not a header name a plugin may claim", h)
		}
	}
	if strings.ContainsAny(info.Credentials.Challenge, "\r\n") {
		return ports.Invalidf("module", "the challenge may not contain line breaks")
	}
	return checkAliases(info)
}

// headerName is an HTTP field name (RFC 9110 §5.1, token characters).
var headerName = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")

// reservedHeaders are fields with a protocol meaning of their own: declared
// as token headers they would be stripped from every plugin's requests.
var reservedHeaders = map[string]bool{
	"accept": true, "accept-encoding": true, "accept-language": true, "authorization": true, "cache-control": true,
	"connection": true, "content-encoding": true, "content-length": true, "content-range": true, "content-type": true,
	"cookie": true, "date": true, "etag": true, "expect": true, "forwarded": true, "host": true, "if-match": true,
	"if-modified-since": true, "if-none-match": true, "if-range": true, "if-unmodified-since": true, "origin": true,
	"proxy-authorization": true, "range": true, "referer": true, "te": true, "trailer": true, "transfer-encoding": true,
	"upgrade": true, "user-agent": true, "via": true, "x-forwarded-for": true, "x-forwarded-host": true,
	"x-forwarded-proto": true, "x-request-id": true,
}
