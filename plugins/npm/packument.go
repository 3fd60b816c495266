package npm

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
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

func isoMs(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// wantsAbbreviated reports whether the Accept header asks for the
// abbreviated document (npm and pnpm send it, yarn 1 does not).
func wantsAbbreviated(req *sdk.Request) bool {
	return strings.Contains(req.Header("Accept"), ctAbbreviated)
}

// withBase replaces the stored tarball marker by the repository's URL.
func withBase(doc []byte, base string) []byte {
	return bytes.ReplaceAll(doc, []byte(`"`+tarballMarker), []byte(`"`+jsonEscape(base+"/")))
}

func packument(h sdk.Host, req *sdk.Request, name string) (*sdk.Response, error) {
	vs, err := listVersions(h, name)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return npmError(404, "package "+name+" not found"), nil
	}
	tags, err := loadTags(h, name)
	if err != nil {
		return nil, err
	}
	abbrev := wantsAbbreviated(req)
	doc, err := renderPackument(name, vs, tags, abbrev, req.Repo.Generation)
	if err != nil {
		return nil, err
	}
	resp := jsonResp(200, withBase(doc, req.Repo.BaseURL))
	if abbrev {
		resp.Headers[0].Value = ctAbbreviated
	}
	resp.Headers = append(resp.Headers, sdk.Header{Name: "Vary", Value: "Accept"})
	resp.CacheTTLMs = metadataTTLMs
	return resp, nil
}

// renderPackument builds the full or abbreviated packument from the stored
// version documents (tarball URLs still carrying the marker).
// https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md
func renderPackument(name string, vs []sdk.VersionInfo, tags map[string]string, abbrev bool, generation int64) ([]byte, error) {
	var created, modified int64 = -1, 0
	for _, v := range vs {
		if created < 0 || v.CreatedMs < created {
			created = v.CreatedMs
		}
		modified = max(modified, v.CreatedMs)
	}
	nameJSON, _ := json.Marshal(name)
	tagsJSON, _ := json.Marshal(tags)
	size := 256
	for _, v := range vs {
		size += len(v.Metadata) + len(v.Version) + 8
	}
	b := bytes.NewBuffer(make([]byte, 0, size))
	if abbrev {
		b.WriteString(`{"name":`)
		b.Write(nameJSON)
		b.WriteString(`,"modified":"` + isoMs(modified) + `","dist-tags":`)
		b.Write(tagsJSON)
	} else {
		b.WriteString(`{"_id":`)
		b.Write(nameJSON)
		b.WriteString(`,"_rev":"` + strconv.Itoa(len(vs)) + "-" + strconv.FormatInt(generation, 16) + `","name":`)
		b.Write(nameJSON)
		b.WriteString(`,"dist-tags":`)
		b.Write(tagsJSON)
	}
	b.WriteString(`,"versions":{`)
	var latestMeta []byte
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(v.Version)
		b.Write(key)
		b.WriteByte(':')
		if !abbrev {
			b.Write(v.Metadata)
			if v.Version == tags["latest"] {
				latestMeta = v.Metadata
			}
			continue
		}
		var a abbreviated
		if err := json.Unmarshal(v.Metadata, &a); err != nil {
			return nil, err
		}
		for _, s := range []string{"preinstall", "install", "postinstall"} {
			if _, ok := a.Scripts[s]; ok {
				a.HasInstallScript = true
			}
		}
		a.Scripts = nil
		out, err := json.Marshal(&a)
		if err != nil {
			return nil, err
		}
		b.Write(out)
	}
	b.WriteByte('}')
	if abbrev {
		b.WriteByte('}')
		return b.Bytes(), nil
	}
	b.WriteString(`,"time":{"created":"` + isoMs(created) + `","modified":"` + isoMs(modified) + `"`)
	for _, v := range vs {
		key, _ := json.Marshal(v.Version)
		b.WriteByte(',')
		b.Write(key)
		b.WriteString(`:"` + isoMs(v.CreatedMs) + `"`)
	}
	b.WriteByte('}')
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
					b.WriteString(`,"` + f.k + `":`)
					b.Write(f.v)
				}
			}
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
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
