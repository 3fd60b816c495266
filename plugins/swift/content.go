package swift

import (
	"encoding/json"
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// maxManifest bounds a manifest read from an archive.
const maxManifest = 1 << 20

// cacheTTL lets the host keep a rendered manifest or archive answer until
// the repository changes.
const cacheTTL = 10 * 60 * 1000

// manifest answers §4.3: Package.swift of the release with a Link to every
// version-specific manifest, or with ?swift-version=X the
// Package@swift-X.swift, else a 303 to the unqualified manifest (§4.3.1).
func manifest(h sdk.Host, req *sdk.Request, id identity, version string) (*sdk.Response, error) {
	self := req.Repo.BaseURL + "/" + id.scope + "/" + id.name + "/" + version + "/Package.swift"
	q, _ := url.ParseQuery(req.RawQuery)
	want := q.Get("swift-version")
	rs, err := releasesOf(h, id)
	if err != nil {
		return nil, err
	}
	i := find(rs, version)
	if i < 0 {
		if want != "" && req.Repo.Kind == "remote" {
			// A remote repository holds no release record; its upstream
			// serves the unqualified manifest.
			return seeOther(self), nil
		}
		return problem(404, "release "+clip(version)+" of "+id.String()+" not found"), nil
	}
	m := rs[i].meta
	file := "Package.swift"
	if want != "" {
		file = ""
		for _, mf := range m.Manifests {
			if mf[0] == "Package@swift-"+want+".swift" {
				file = mf[0]
			}
		}
		if file == "" {
			return seeOther(self), nil
		}
	}
	f, err := h.GetFile(m.Archive)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return problem(404, "the source archive of "+id.String()+" "+version+" is gone"), nil
	}
	body, err := h.ArchiveRead(f.BlobDigest, sdk.ArchiveZip, m.Root+file, maxManifest)
	if err != nil {
		return problem(404, file+" of "+id.String()+" "+version+" cannot be read"), nil
	}
	hs := []sdk.Header{{Name: "Content-Type", Value: swiftType}, {Name: "Content-Version", Value: "1"},
		{Name: "Content-Disposition", Value: `attachment; filename="` + file + `"`},
		{Name: "Cache-Control", Value: "public, immutable"}}
	if want == "" && len(m.Manifests) > 0 {
		var l []byte
		for _, mf := range m.Manifests {
			v := strings.TrimSuffix(strings.TrimPrefix(mf[0], "Package@swift-"), ".swift")
			l = link(l, self+"?swift-version="+v, "alternate")
			l = append(l, `; filename="`+mf[0]+`"; swift-tools-version="`+mf[1]+`"`...)
		}
		hs = append(hs, sdk.Header{Name: "Link", Value: string(l)})
	}
	return &sdk.Response{Status: 200, Headers: hs, Kind: sdk.BodyBytes, Bytes: body, CacheTTLMs: cacheTTL}, nil
}

func seeOther(location string) *sdk.Response {
	return &sdk.Response{Status: 303, Kind: sdk.BodyBytes,
		Headers: []sdk.Header{{Name: "Content-Version", Value: "1"}, {Name: "Location", Value: location}}}
}

// archivePath is where a release's source archive is stored: at the
// download path (lower-case), so the host answers it directly with the
// headers recorded beside it; a signed release's archive is kept under the
// release instead and answered here, as its signature header may be longer
// than the host replays.
func archivePath(id identity, version string, signed bool) string {
	if signed {
		return id.dir() + "/" + version + "/source-archive.zip"
	}
	return id.dir() + "/" + version + ".zip"
}

// sourceArchive answers §4.4 for a request the host did not answer from
// storage (another spelling of the identifier, or a signed release).
func sourceArchive(h sdk.Host, id identity, version string) (*sdk.Response, error) {
	for _, signed := range []bool{false, true} {
		f, err := h.GetFile(archivePath(id, version, signed))
		if err != nil {
			return nil, err
		}
		if f == nil {
			continue
		}
		var m struct {
			Headers [][2]string `json:"served_headers"`
		}
		_ = json.Unmarshal(f.Metadata, &m)
		hs := []sdk.Header{{Name: "Content-Type", Value: zipType}, {Name: "Content-Version", Value: "1"},
			{Name: "Content-Disposition", Value: `attachment; filename="` + id.name + "-" + version + `.zip"`}}
		for _, x := range m.Headers {
			if x[0] != "Content-Version" {
				hs = append(hs, sdk.Header{Name: x[0], Value: x[1]})
			}
		}
		return &sdk.Response{Status: 200, Headers: hs, Kind: sdk.BodyServePath, Target: f.Path, CacheTTLMs: cacheTTL}, nil
	}
	return problem(404, "no source archive for release "+clip(version)+" of "+id.String()), nil
}

// urlNS holds the §4.5 mapping: key "<canonical URL> <package key>",
// value the identifier as published.
const urlNS = "url"

// identifiers answers §4.5.
func identifiers(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	q, _ := url.ParseQuery(req.RawQuery)
	u := q.Get("url")
	if u == "" {
		return problem(400, "the url query parameter is required"), nil
	}
	b := []byte(`{"identifiers":[`)
	n := 0
	err := sdk.EachKV(h, urlNS, canonicalURL(u)+" ", 1000, func(e sdk.KVEntry) error {
		if n > 0 {
			b = append(b, ',')
		}
		b = sdk.AppendJSONString(b, string(e.Value))
		n++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return problem(404, "no package is registered for "+clip(u)), nil
	}
	return jsonResponse(append(b, "]}"...), ""), nil
}
