package pypi

import (
	"net/url"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// jsonFile is one file in the JSON API.
type jsonFile struct {
	Filename          string            `json:"filename"`
	URL               string            `json:"url"`
	Digests           map[string]string `json:"digests"`
	MD5Digest         string            `json:"md5_digest"`
	RequiresPython    *string           `json:"requires_python"`
	Size              uint64            `json:"size"`
	UploadTime        string            `json:"upload_time,omitempty"`
	UploadTimeISO     string            `json:"upload_time_iso_8601,omitempty"`
	PackageType       string            `json:"packagetype"`
	PythonVersion     string            `json:"python_version"`
	Yanked            bool              `json:"yanked"`
	YankedReason      *string           `json:"yanked_reason"`
	HasSig            bool              `json:"has_sig"`
	CoreMetadata      any               `json:"core_metadata"`
	DataDistInfoMetad any               `json:"data-dist-info-metadata"`
}

func toJSONFile(l link, base string) jsonFile {
	md5 := l.f.MD5
	if md5 == "" {
		md5 = l.meta.MD5
	}
	jf := jsonFile{Filename: l.meta.Filename, URL: l.url(base), MD5Digest: md5, Size: l.f.Size,
		Digests:     map[string]string{"sha256": l.f.SHA256, "md5": md5},
		PackageType: l.meta.PackageType, PythonVersion: l.meta.PythonVersion, Yanked: l.yanked,
		CoreMetadata: false, DataDistInfoMetad: false}
	if l.meta.Blake2b256 != "" {
		jf.Digests["blake2b_256"] = l.meta.Blake2b256
	}
	if t := uploadTime(l.f.CreatedMs); t != "" {
		jf.UploadTime, jf.UploadTimeISO = t[:19], t
	}
	if l.meta.RequiresPython != "" {
		rp := l.meta.RequiresPython
		jf.RequiresPython = &rp
	}
	if l.yanked {
		r := l.reason
		jf.YankedReason = &r
	}
	if l.meta.CoreMetadataSHA256 != "" {
		m := map[string]string{"sha256": l.meta.CoreMetadataSHA256}
		jf.CoreMetadata, jf.DataDistInfoMetad = m, m
	}
	return jf
}

// JSONProject renders the JSON API document of a project, or of one version
// when version != "". ok is false when the version has no file.
// Shape: the index's JSON API (/pypi/<project>/json, /pypi/<project>/<version>/json).
func JSONProject(norm, version, base string, files []link) ([]byte, bool) {
	releases := map[string][]jsonFile{}
	latest, latestStable := "", ""
	for _, l := range files {
		v := l.meta.Version
		releases[v] = append(releases[v], toJSONFile(l, base))
		if l.yanked {
			continue
		}
		if latest == "" || compareVersionStrings(v, latest) > 0 {
			latest = v
		}
		if pv, err := ParseVersion(v); err == nil && !pv.IsPrerelease() && (latestStable == "" || compareVersionStrings(v, latestStable) > 0) {
			latestStable = v
		}
	}
	if latestStable != "" {
		latest = latestStable
	}
	if latest == "" && len(files) > 0 {
		latest = files[len(files)-1].meta.Version // everything yanked
	}
	show := latest
	if version != "" {
		show = ""
		for v := range releases {
			if sameVersion(v, version) {
				show = v
			}
		}
		if show == "" {
			return nil, false
		}
	}
	info := map[string]any{"name": norm, "version": show, "requires_python": nil, "summary": nil, "yanked": false,
		"yanked_reason": nil, "package_url": base + "/simple/" + url.PathEscape(norm) + "/",
		"project_url": base + "/simple/" + url.PathEscape(norm) + "/"}
	urls := []jsonFile{}
	allYanked := true
	for _, l := range files {
		if l.meta.Version != show {
			continue
		}
		if l.meta.Name != "" {
			info["name"] = l.meta.Name
		}
		if l.meta.RequiresPython != "" {
			info["requires_python"] = l.meta.RequiresPython
		}
		if l.meta.Summary != "" {
			info["summary"] = l.meta.Summary
		}
		if !l.yanked {
			allYanked = false
		} else if l.reason != "" {
			info["yanked_reason"] = l.reason
		}
		urls = append(urls, toJSONFile(l, base))
	}
	if allYanked {
		info["yanked"] = true
	} else {
		info["yanked_reason"] = nil
	}
	doc := map[string]any{"info": info, "urls": urls, "vulnerabilities": []any{}}
	if version == "" {
		doc["releases"] = releases
	}
	b := marshal(doc)
	return b, true
}

func jsonAPI(h sdk.Host, req *sdk.Request, name, version string) (*sdk.Response, error) {
	norm := Normalize(name)
	if norm != name {
		loc := req.Repo.BaseURL + "/pypi/" + url.PathEscape(norm) + "/"
		if version != "" {
			loc += url.PathEscape(version) + "/"
		}
		return redirect(loc + "json"), nil
	}
	files, err := projectFiles(h, norm)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, sdk.Errorf(404, "project %s not found", name)
	}
	body, ok := JSONProject(norm, version, req.Repo.BaseURL, files)
	if !ok {
		return nil, sdk.Errorf(404, "version %s of %s not found", version, name)
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: body, CacheTTLMs: pageTTLMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}
