package npm

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// abbreviated is the install-time subset of a version document
// https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md#abbreviated-version-object
// Every version keeps its dist, or npm fails with ENOVERSIONS.
type abbreviated struct {
	Name                 json.RawMessage            `json:"name"`
	Version              json.RawMessage            `json:"version"`
	Deprecated           json.RawMessage            `json:"deprecated,omitempty"`
	Dependencies         json.RawMessage            `json:"dependencies,omitempty"`
	OptionalDependencies json.RawMessage            `json:"optionalDependencies,omitempty"`
	DevDependencies      json.RawMessage            `json:"devDependencies,omitempty"`
	BundleDependencies   json.RawMessage            `json:"bundleDependencies,omitempty"`
	PeerDependencies     json.RawMessage            `json:"peerDependencies,omitempty"`
	PeerDependenciesMeta json.RawMessage            `json:"peerDependenciesMeta,omitempty"`
	AcceptDependencies   json.RawMessage            `json:"acceptDependencies,omitempty"`
	Bin                  json.RawMessage            `json:"bin,omitempty"`
	Directories          json.RawMessage            `json:"directories,omitempty"`
	Engines              json.RawMessage            `json:"engines,omitempty"`
	CPU                  json.RawMessage            `json:"cpu,omitempty"`
	OS                   json.RawMessage            `json:"os,omitempty"`
	Libc                 json.RawMessage            `json:"libc,omitempty"`
	Funding              json.RawMessage            `json:"funding,omitempty"`
	License              json.RawMessage            `json:"license,omitempty"`
	HasShrinkwrap        json.RawMessage            `json:"_hasShrinkwrap,omitempty"`
	HasInstallScript     bool                       `json:"hasInstallScript,omitempty"`
	Dist                 json.RawMessage            `json:"dist"`
	Scripts              map[string]json.RawMessage `json:"scripts,omitempty"`
}

func isoMs(ms int64) string { return string(appendISO(nil, ms)) }

// appendISO appends ms as an ISO 8601 UTC timestamp with milliseconds
// (2006-01-02T15:04:05.000Z) without the time package's general formatter.
func appendISO(dst []byte, ms int64) []byte {
	dst, frac, ok := sdk.AppendUTC(dst, ms)
	if !ok {
		return time.UnixMilli(ms).UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	}
	return append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10), 'Z')
}

// appendJSONString appends s as a JSON string exactly as encoding/json
// writes it; only plain printable ASCII takes the short path.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(dst, q...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// wantsAbbreviated reports whether the Accept header asks for the
// abbreviated document (npm and pnpm send it, yarn 1 does not).
func wantsAbbreviated(req *sdk.Request) bool {
	return strings.Contains(req.Header("Accept"), ctAbbreviated)
}

// withBase replaces the stored tarball marker by the repository's URL.
func withBase(doc []byte, base string) []byte {
	return appendWithBase(make([]byte, 0, len(doc)+256), doc, []byte(jsonEscape(base+"/")))
}

// appendWithBase appends src with every `"` + tarballMarker replaced by `"` +
// base (JSON-escaped). The search starts at the marker's backslash, rarer in
// JSON than the quote (which makes bytes.Index fall back to a slow search).
func appendWithBase(dst, src, base []byte) []byte {
	const marker = tarballMarker
	for {
		i := bytes.Index(src, []byte(marker))
		if i < 0 {
			return append(dst, src...)
		}
		if i == 0 || src[i-1] != '"' {
			dst = append(dst, src[:i+1]...)
			src = src[i+1:]
			continue
		}
		dst = append(dst, src[:i]...)
		dst = append(dst, base...)
		src = src[i+len(marker):]
	}
}

func packument(h sdk.Host, req *sdk.Request, name string) (*sdk.Response, error) {
	tags, err := loadTags(h, name)
	if err != nil {
		return nil, err
	}
	abbrev := wantsAbbreviated(req)
	if a, err := assembledPackument(h, name, tags, abbrev, req.Repo.Generation, req.Repo.BaseURL); err == nil && a.Built() {
		if len(a.Rows) == 0 || a.Rows[0] == 0 {
			return npmError(404, "package "+name+" not found"), nil
		}
		resp := sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: ctJSON})
		return packumentResp(resp, abbrev), nil
	}
	return renderedPackument(h, req, name, tags, abbrev)
}

// packumentResp sets the headers and cache lifetime of a packument.
func packumentResp(resp *sdk.Response, abbrev bool) *sdk.Response {
	if abbrev {
		resp.Headers[0].Value = ctAbbreviated
	}
	resp.Headers = append(resp.Headers, sdk.Header{Name: "Vary", Value: "Accept"})
	resp.CacheTTLMs = metadataTTLMs
	return resp
}

// renderedPackument renders the packument in the guest (renderPackument):
// the path for documents the host cannot assemble exactly.
func renderedPackument(h sdk.Host, req *sdk.Request, name string, tags map[string]string, abbrev bool) (*sdk.Response, error) {
	vs, err := listVersions(h, name)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return npmError(404, "package "+name+" not found"), nil
	}
	doc, err := renderPackument(h, name, vs, tags, abbrev, req.Repo.Generation, req.Repo.BaseURL)
	if err != nil {
		return nil, err
	}
	return packumentResp(jsonResp(200, doc), abbrev), nil
}

// renderPackument builds the full or abbreviated packument from the stored
// version documents. Everything is appended to one buffer sized up front,
// without reflection; the abbreviated objects come from the host's
// json-members and the tarball markers are replaced by the repository's
// base URL with one replace-bytes over the finished document, so the guest
// runs no loop over the stored bytes (docs/decisions/0008 and 0011). Versions
// are semver-shaped (validVersion), so the marker can only occur in the
// stored documents, the name and the dist-tags, as before.
// https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md
func renderPackument(h sdk.Host, name string, vs []sdk.VersionInfo, tags map[string]string, abbrev bool, generation int64, baseURL string) ([]byte, error) {
	var created, modified int64 = -1, 0
	for _, v := range vs {
		if created < 0 || v.CreatedMs < created {
			created = v.CreatedMs
		}
		modified = max(modified, v.CreatedMs)
	}
	base := []byte(jsonEscape(baseURL + "/"))
	nameJSON, _ := json.Marshal(name)
	tagsJSON, _ := json.Marshal(tags)
	size := 256 + len(tagsJSON)
	for _, v := range vs {
		size += len(v.Metadata) + 2*len(v.Version) + 40 + 2*len(base)
	}
	b := make([]byte, 0, size)
	if abbrev {
		b = append(b, `{"name":`...)
		b = appendWithBase(b, nameJSON, base)
		b = append(b, `,"modified":"`...)
		b = appendISO(b, modified)
		b = append(b, `","dist-tags":`...)
		b = appendWithBase(b, tagsJSON, base)
	} else {
		b = append(b, `{"_id":`...)
		b = appendWithBase(b, nameJSON, base)
		b = append(b, `,"_rev":"`...)
		b = strconv.AppendInt(b, int64(len(vs)), 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, generation, 16)
		b = append(b, `","name":`...)
		b = appendWithBase(b, nameJSON, base)
		b = append(b, `,"dist-tags":`...)
		b = appendWithBase(b, tagsJSON, base)
	}
	b = append(b, `,"versions":{`...)
	var latestMeta, scratch []byte
	var members sdk.Members
	var membersErr error
	if abbrev {
		members, membersErr = abbrevMembers(h, vs)
	}
	irregular := members.Irregular
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, v.Version)
		b = append(b, ':')
		if !abbrev {
			b = appendWithBase(b, v.Metadata, base)
			if v.Version == tags["latest"] {
				latestMeta = v.Metadata
			}
			continue
		}
		regular := membersErr == nil
		if len(irregular) > 0 && irregular[0] == uint32(i) {
			regular, irregular = false, irregular[1:]
		}
		var ok bool
		if regular {
			scratch, ok = appendAbbreviated(scratch[:0], &members, i)
		}
		if !ok {
			var err error
			if scratch, err = abbreviatedSlow(v.Metadata); err != nil {
				return nil, err
			}
		}
		b = appendWithBase(b, scratch, base)
	}
	b = append(b, '}')
	if abbrev {
		return append(b, '}'), nil
	}
	b = append(b, `,"time":{"created":"`...)
	b = appendISO(b, created)
	b = append(b, `","modified":"`...)
	b = appendISO(b, modified)
	b = append(b, '"')
	for _, v := range vs {
		b = append(b, ',')
		b = appendJSONString(b, v.Version)
		b = append(b, `:"`...)
		b = appendISO(b, v.CreatedMs)
		b = append(b, '"')
	}
	b = append(b, '}')
	if latestMeta != nil {
		var top struct {
			Description json.RawMessage `json:"description"`
			Readme      json.RawMessage `json:"readme"`
			License     json.RawMessage `json:"license"`
		}
		if json.Unmarshal(latestMeta, &top) == nil {
			for _, f := range []struct {
				k string
				v json.RawMessage
			}{{"description", top.Description}, {"readme", top.Readme}, {"license", top.License}} {
				if len(f.v) > 0 {
					b = append(b, `,"`+f.k+`":`...)
					b = appendWithBase(b, f.v, base)
				}
			}
		}
	}
	return append(b, '}'), nil
}

// versionDoc serves /NAME/VERSION-or-TAG.
func versionDoc(h sdk.Host, req *sdk.Request, name, spec string) (*sdk.Response, error) {
	tags, err := loadTags(h, name)
	if err != nil {
		return nil, err
	}
	version := spec
	if v, ok := tags[spec]; ok {
		version = v
	}
	if version != "" {
		// The host copies the one stored document (assemble, contract
		// 0.6.0): the versions do not pass through the guest.
		marker := []hostjson.Replacement{{Pattern: []byte(`"` + tarballMarker), With: []byte(`"` + jsonEscape(req.Repo.BaseURL+"/"))}}
		a, err := sdk.Assemble(h, sdk.Template{Loops: []sdk.Loop{{Source: hostjson.Versions, Package: name, Version: version,
			Limit: 1, Replace: marker, Items: []hostjson.Item{{Kind: hostjson.ItemMetadata}}}},
			Parts: []sdk.Part{{Kind: hostjson.PartLoop}}})
		if err == nil && a.Built() && a.Rows[0] == 1 {
			resp := sdk.AssembledResponse(200, a, sdk.Header{Name: "Content-Type", Value: ctJSON})
			resp.CacheTTLMs = metadataTTLMs
			return resp, nil
		}
	}
	vs, err := listVersions(h, name)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.Version == version {
			resp := jsonResp(200, withBase(v.Metadata, req.Repo.BaseURL))
			resp.CacheTTLMs = metadataTTLMs
			return resp, nil
		}
	}
	return npmError(404, "version "+spec+" of "+name+" not found"), nil
}
