package nuget

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimRight(b.Bytes(), "\n")
}

func timeOf(ms int64) string {
	t, frac, ok := sdk.AppendUTC(nil, ms)
	if !ok {
		return "1900-01-01T00:00:00Z"
	}
	f := strconv.FormatInt(1000+frac, 10)[1:]
	return string(t) + "." + f + "Z"
}

// serviceIndex: https://learn.microsoft.com/en-us/nuget/api/service-index
func serviceIndex(repo *sdk.RepoContext) *sdk.Response {
	base := repo.BaseURL
	res := func(id, typ, comment string) map[string]string {
		return map[string]string{"@id": id, "@type": typ, "comment": comment}
	}
	var resources []map[string]string
	resources = append(resources, res(base+"/v3/package/", "PackageBaseAddress/3.0.0", "flat container of .nupkg and .nuspec files"))
	for _, t := range []string{"PackagePublish/2.0.0"} {
		resources = append(resources, res(base+"/api/v2/package", t, "push, unlist (DELETE) and relist (POST)"))
	}
	for _, t := range []string{"RegistrationsBaseUrl", "RegistrationsBaseUrl/3.0.0-rc", "RegistrationsBaseUrl/3.0.0-beta", "RegistrationsBaseUrl/3.4.0", "RegistrationsBaseUrl/3.6.0", "RegistrationsBaseUrl/Versioned"} {
		resources = append(resources, res(base+"/v3/registration/", t, "package metadata"))
	}
	for _, t := range []string{"SearchQueryService", "SearchQueryService/3.0.0-rc", "SearchQueryService/3.0.0-beta", "SearchQueryService/3.5.0"} {
		resources = append(resources, res(base+"/v3/query", t, "search"))
	}
	resources = append(resources, res(base+"/api/v2/", "LegacyGallery/2.0.0", "v2 OData feed"))
	doc := map[string]any{"version": "3.0.0", "resources": resources,
		"@context": map[string]string{"@vocab": "http://schema.nuget.org/services#", "comment": "http://www.w3.org/2000/01/rdf-schema#comment"}}
	// Not cached by the host: it names the request's base URL; cheap.
	return jsonResponse(200, marshal(doc), 0)
}

// flatVersions: https://learn.microsoft.com/en-us/nuget/api/package-base-address-resource#enumerate-package-versions
// Every version, unlisted ones too, lower-case normalized.
func flatVersions(h sdk.Host, id string) (*sdk.Response, error) {
	lid := strings.ToLower(id)
	if lid != id || !idRe.MatchString(id) {
		return jsonError(404, "not found"), nil
	}
	rs, err := records(h, lid)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return jsonError(404, "package "+id+" not found"), nil
	}
	vs := make([]string, 0, len(rs))
	for _, r := range rs {
		vs = append(vs, strings.ToLower(r.Version))
	}
	return jsonResponse(200, marshal(map[string]any{"versions": vs}), indexTTLMs), nil
}

// catalogEntry is the registration leaf's package metadata:
// https://learn.microsoft.com/en-us/nuget/api/registration-base-url-resource#catalog-entry
func catalogEntry(base string, r *record) map[string]any {
	id := strings.ToLower(r.ID)
	groups := []map[string]any{}
	for _, g := range r.DependencyGroups {
		deps := []map[string]any{}
		for _, d := range g.Dependencies {
			dep := map[string]any{"id": d.ID, "range": d.Range, "registration": base + "/v3/registration/" + strings.ToLower(d.ID) + "/index.json"}
			deps = append(deps, dep)
		}
		grp := map[string]any{"dependencies": deps}
		if g.TargetFramework != "" {
			grp["targetFramework"] = g.TargetFramework
		}
		groups = append(groups, grp)
	}
	e := map[string]any{
		"@id":                      base + "/v3/registration/" + id + "/" + strings.ToLower(r.Version) + ".json#catalog",
		"@type":                    "PackageDetails",
		"id":                       r.ID,
		"version":                  r.Version,
		"authors":                  r.Authors,
		"description":              r.Description,
		"dependencyGroups":         groups,
		"listed":                   !r.Unlisted,
		"packageContent":           base + "/" + nupkgPath(r.ID, r.Version),
		"published":                published(r),
		"requireLicenseAcceptance": r.RequireLicenseAcceptance,
		"summary":                  r.Summary,
		"tags":                     strings.Fields(r.Tags),
		"title":                    r.Title,
	}
	for k, v := range map[string]string{"iconUrl": r.IconURL, "licenseUrl": r.LicenseURL, "licenseExpression": r.LicenseExpression,
		"projectUrl": r.ProjectURL, "language": r.Language, "minClientVersion": r.MinClientVersion} {
		if v != "" {
			e[k] = v
		}
	}
	return e
}

// published is the publish time; unlisted packages carry 1900 (the
// registration's convention for unlisted).
func published(r *record) string {
	if r.Unlisted {
		return "1900-01-01T00:00:00Z"
	}
	return timeOf(r.created)
}

func leaf(base string, r *record) map[string]any {
	id, v := strings.ToLower(r.ID), strings.ToLower(r.Version)
	return map[string]any{
		"@id":            base + "/v3/registration/" + id + "/" + v + ".json",
		"@type":          "Package",
		"catalogEntry":   catalogEntry(base, r),
		"packageContent": base + "/" + nupkgPath(r.ID, r.Version),
		"registration":   base + "/v3/registration/" + id + "/index.json",
	}
}

// registrationIndex: https://learn.microsoft.com/en-us/nuget/api/registration-base-url-resource#registration-index
// One page with every leaf inlined.
func registrationIndex(h sdk.Host, repo *sdk.RepoContext, id string) (*sdk.Response, error) {
	lid := strings.ToLower(id)
	if lid != id || !idRe.MatchString(id) {
		return jsonError(404, "not found"), nil
	}
	if r, err := assembledRegistration(h, repo.BaseURL, lid); r != nil || err != nil {
		return r, err
	}
	return renderRegistration(h, repo.BaseURL, id)
}

// renderRegistration renders the registration index in the guest (every
// record enters it): the document assembledRegistration builds in the host
// when every version has its pieces.
func renderRegistration(h sdk.Host, base, id string) (*sdk.Response, error) {
	lid := strings.ToLower(id)
	rs, err := records(h, lid)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return jsonError(404, "package "+id+" not found"), nil
	}
	items := make([]map[string]any, 0, len(rs))
	for i := range rs {
		items = append(items, leaf(base, &rs[i]))
	}
	index := base + "/v3/registration/" + lid + "/index.json"
	lower, upper := strings.ToLower(rs[0].Version), strings.ToLower(rs[len(rs)-1].Version)
	doc := map[string]any{
		"@id":   index,
		"@type": []string{"catalog:CatalogRoot", "PackageRegistration", "catalog:Permalink"},
		"count": 1,
		"items": []map[string]any{{
			"@id": index + "#page/" + lower + "/" + upper, "@type": "catalog:CatalogPage",
			"count": len(items), "items": items, "lower": lower, "upper": upper, "parent": index,
		}},
	}
	return jsonResponse(200, marshal(doc), indexTTLMs), nil
}

// registrationLeaf: https://learn.microsoft.com/en-us/nuget/api/registration-base-url-resource#registration-leaf
func registrationLeaf(h sdk.Host, repo *sdk.RepoContext, id, version string) (*sdk.Response, error) {
	r, err := find(h, id, version)
	if err != nil {
		return nil, err
	}
	if r == nil || strings.ToLower(id) != id {
		return jsonError(404, "package "+id+" "+version+" not found"), nil
	}
	base := repo.BaseURL
	lid, lv := strings.ToLower(r.ID), strings.ToLower(r.Version)
	doc := map[string]any{
		"@id":            base + "/v3/registration/" + lid + "/" + lv + ".json",
		"@type":          []string{"Package", "http://schema.nuget.org/catalog#Permalink"},
		"catalogEntry":   base + "/v3/registration/" + lid + "/" + lv + ".json#catalog",
		"listed":         !r.Unlisted,
		"packageContent": base + "/" + nupkgPath(r.ID, r.Version),
		"published":      published(r),
		"registration":   base + "/v3/registration/" + lid + "/index.json",
	}
	return jsonResponse(200, marshal(doc), indexTTLMs), nil
}

// search: https://learn.microsoft.com/en-us/nuget/api/search-query-service-resource
// A remote or virtual repository's search goes to its upstream or members
// (search_remote.go). q matches the id or the description (case-insensitive, all terms);
// unlisted versions are left out; semVerLevel=2.0.0 admits SemVer 2 versions.
func search(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	q, err := url.ParseQuery(req.RawQuery)
	if err != nil {
		return jsonError(400, "the query is not valid"), nil
	}
	if r := upstreamSearch(req, q); r != nil {
		return r, nil
	}
	terms := strings.Fields(strings.ToLower(q.Get("q")))
	pre := strings.EqualFold(q.Get("prerelease"), "true")
	semver2 := strings.HasPrefix(q.Get("semVerLevel"), "2")
	skip, take := searchPage(q)
	base := req.Repo.BaseURL
	var data []map[string]any
	total := 0
	err = sdk.EachPackage(h, "", maxSearchScan, func(p sdk.PackageInfo) error {
		rs, err := records(h, p.Name)
		if err != nil {
			return err
		}
		var vis []record
		for _, r := range rs {
			if !r.Unlisted && (pre || !strings.Contains(r.Version, "-")) && (semver2 || !r.semver2()) {
				vis = append(vis, r)
			}
		}
		if len(vis) == 0 {
			return nil
		}
		latest := &vis[len(vis)-1]
		text := strings.ToLower(latest.ID + " " + latest.Description + " " + latest.Tags + " " + latest.Title)
		for _, t := range terms {
			if !strings.Contains(text, t) {
				return nil
			}
		}
		total++
		if total <= skip || len(data) >= take {
			return nil
		}
		lid := strings.ToLower(latest.ID)
		versions := make([]map[string]any, 0, len(vis))
		for _, r := range vis {
			versions = append(versions, map[string]any{"version": r.Version, "downloads": 0,
				"@id": base + "/v3/registration/" + lid + "/" + strings.ToLower(r.Version) + ".json"})
		}
		data = append(data, map[string]any{
			"@type": "Package", "@id": base + "/v3/registration/" + lid + "/index.json",
			"registration": base + "/v3/registration/" + lid + "/index.json",
			"id":           latest.ID, "version": latest.Version, "description": latest.Description,
			"summary": latest.Summary, "title": latest.Title, "authors": []string{latest.Authors},
			"tags": strings.Fields(latest.Tags), "totalDownloads": 0, "verified": false, "versions": versions,
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if data == nil {
		data = []map[string]any{}
	}
	return jsonResponse(200, marshal(map[string]any{"totalHits": total, "data": data}), indexTTLMs), nil
}
