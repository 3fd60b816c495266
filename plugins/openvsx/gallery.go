package openvsx

import (
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// The VS Code Marketplace gallery API as VS Code's gallery service calls
// it (src/vs/platform/extensionManagement/common/extensionGalleryService.ts
// of microsoft/vscode: Flag, FilterType, IRawGalleryQueryResult) and Open
// VSX serves it under /vscode/gallery (org.eclipse.openvsx.adapter.VSCodeAPI):
//
//	POST /vscode/gallery/extensionquery              {"filters": [{"criteria", "pageNumber", "pageSize"}], "flags"}
//	GET  /vscode/asset/NS/EXT/VERSION/ASSET_TYPE     a version's asset (the VSIX, package.json, README, …)

// Query flags (extensionGalleryService.ts, enum Flag).
const (
	flagIncludeVersions          = 0x1
	flagIncludeFiles             = 0x2
	flagIncludeCategoryAndTags   = 0x4
	flagIncludeVersionProperties = 0x10
	flagIncludeAssetURI          = 0x80
	flagIncludeStatistics        = 0x100
	flagIncludeLatestVersionOnly = 0x200
)

// Filter types (enum FilterType).
const (
	filterTag           = 1
	filterExtensionID   = 4
	filterCategory      = 5
	filterExtensionName = 7
	filterTarget        = 8
	filterSearchText    = 10
	filterExcludeFlags  = 12
)

const (
	defaultPageSize = 50
	maxPageSize     = 100
	maxCriteria     = 100
)

// assetFiles maps the gallery's asset types to the files a version stores.
var assetFiles = map[string]string{
	"Microsoft.VisualStudio.Services.VSIXPackage":       "download",
	"Microsoft.VisualStudio.Code.Manifest":              "manifest",
	"Microsoft.VisualStudio.Services.Content.Details":   "readme",
	"Microsoft.VisualStudio.Services.Content.Changelog": "changelog",
	"Microsoft.VisualStudio.Services.Content.License":   "license",
}

type galleryQuery struct {
	Filters []struct {
		Criteria []struct {
			FilterType int    `json:"filterType"`
			Value      string `json:"value"`
		} `json:"criteria"`
		PageNumber int `json:"pageNumber"`
		PageSize   int `json:"pageSize"`
	} `json:"filters"`
	Flags int `json:"flags"`
}

// extensionID is a stable UUID-form id of an extension (the gallery's
// extensionId): its lower-cased "ns.name" hashed by the host.
func (a api) extensionID(pkg string) (string, error) {
	sum, err := a.h.Hash(sdk.SHA256, sdk.Source{Bytes: []byte(pkg)})
	if err != nil || len(sum) < 32 {
		return "", err
	}
	if _, err := hex.DecodeString(sum[:32]); err != nil {
		return "", err
	}
	return sum[0:8] + "-" + sum[8:12] + "-" + sum[12:16] + "-" + sum[16:20] + "-" + sum[20:32], nil
}

// extensionQuery answers POST /vscode/gallery/extensionquery. It is an
// anonymous path (a query is a read sent as POST): the host lets the call
// through with the caller's identity and refuses the repository's reads
// to a caller who may not read it, which is answered 401 or 403 here.
func (a api) extensionQuery() (*sdk.Response, error) {
	if a.req.Repo.Kind != "" && a.req.Repo.Kind != "local" {
		return nil, fail(400, "the gallery query is served by local repositories only")
	}
	body := a.req.Body
	if body == nil || body.Size == 0 || body.Size > 64<<10 {
		return nil, fail(400, "send the query as JSON (at most 64 KiB)")
	}
	raw, err := a.h.ReadBlob(body.Digest, 0, uint32(body.Size))
	if err != nil {
		return nil, err
	}
	var q galleryQuery
	if err := json.Unmarshal(raw, &q); err != nil || len(q.Filters) == 0 {
		return nil, fail(400, "the query must be JSON with at least one filter")
	}
	f := q.Filters[0]
	if len(f.Criteria) > maxCriteria {
		return nil, fail(400, "too many criteria")
	}
	page, size := max(f.PageNumber, 1), f.PageSize
	if size <= 0 {
		size = defaultPageSize
	}
	size = min(size, maxPageSize)
	var names, ids []string
	var text, tag, category string
	for _, c := range f.Criteria {
		switch c.FilterType {
		case filterExtensionName:
			names = append(names, strings.ToLower(c.Value))
		case filterExtensionID:
			ids = append(ids, strings.ToLower(c.Value))
		case filterSearchText:
			text = strings.ToLower(c.Value)
		case filterTag:
			tag = strings.ToLower(c.Value)
		case filterCategory:
			category = strings.ToLower(c.Value)
		case filterTarget, filterExcludeFlags:
		default:
			return nil, fail(400, "unsupported filterType "+strconv.Itoa(c.FilterType))
		}
	}
	var pkgs []string
	err = sdk.EachPackage(a.h, "", maxPackages, func(p sdk.PackageInfo) error {
		pkgs = append(pkgs, p.Name)
		return nil
	})
	if err != nil {
		return nil, a.sealed(err)
	}
	var hits []map[string]any
	for _, pkg := range pkgs {
		ns, name, ok := strings.Cut(pkg, ".")
		if !ok || len(names) > 0 && !contains(names, pkg) {
			continue
		}
		id, err := a.extensionID(pkg)
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 && !contains(ids, id) {
			continue
		}
		rs, err := a.releases(ns, name)
		if err != nil {
			return nil, a.sealed(err)
		}
		if len(rs) == 0 {
			continue
		}
		l := latestOf(rs).meta()
		if text != "" && !strings.Contains(pkg, text) && !strings.Contains(strings.ToLower(l.DisplayName), text) &&
			!strings.Contains(strings.ToLower(l.Description), text) ||
			tag != "" && !containsFold(l.Tags, tag) || category != "" && !containsFold(l.Categories, category) {
			continue
		}
		hits = append(hits, a.galleryExtension(id, rs, q.Flags))
	}
	total := len(hits)
	out := []map[string]any{}
	for i := (page - 1) * size; i < total && i < page*size; i++ {
		out = append(out, hits[i])
	}
	return jsonResponse(200, map[string]any{"results": []any{map[string]any{"extensions": out, "pagingToken": nil,
		"resultMetadata": []any{map[string]any{"metadataType": "ResultCount",
			"metadataItems": []any{map[string]any{"name": "TotalCount", "count": total}}}}}}}, 0), nil
}

// sealed turns the host's refusal of a repository read on the anonymous
// query path into the answer for a caller who may not read the repository.
func (a api) sealed(err error) error {
	if a.req.User == "" {
		return fail(401, "authentication required")
	}
	return fail(403, "you may not read this repository")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// galleryExtension is one extension of a query result (IRawGalleryExtension).
func (a api) galleryExtension(id string, rs []release, flags int) map[string]any {
	latest := latestOf(rs)
	m := latest.meta()
	at := timestamp(latest.createdMs)
	ext := map[string]any{"publisher": map[string]any{"publisherId": m.Namespace, "publisherName": m.Namespace,
		"displayName": m.Namespace, "flags": "", "domain": nil, "isDomainVerified": false},
		"extensionId": id, "extensionName": m.Name, "displayName": m.DisplayName, "flags": "validated, public",
		"lastUpdated": at, "publishedDate": timestamp(rs[len(rs)-1].createdMs), "releaseDate": at,
		"shortDescription": m.Description, "deploymentType": 0}
	if flags&flagIncludeCategoryAndTags != 0 {
		ext["categories"], ext["tags"] = nonNil(m.Categories), nonNil(m.Tags)
	}
	if flags&flagIncludeStatistics != 0 {
		ext["statistics"] = []any{}
	}
	if flags&(flagIncludeVersions|flagIncludeLatestVersionOnly) == 0 {
		return ext
	}
	versions := []map[string]any{}
	for i := range rs {
		r := &rs[i]
		if flags&flagIncludeLatestVersionOnly != 0 && r != latest {
			continue
		}
		versions = append(versions, a.galleryVersion(r, flags))
	}
	ext["versions"] = versions
	return ext
}

func (a api) galleryVersion(r *release, flags int) map[string]any {
	m := r.meta()
	v := map[string]any{"version": m.Version, "flags": "validated", "lastUpdated": timestamp(r.createdMs)}
	assetBase := a.base() + "/vscode/asset/" + m.Namespace + "/" + m.Name + "/" + url.PathEscape(m.Version)
	if flags&flagIncludeFiles != 0 {
		files := []map[string]string{}
		for _, t := range []string{"Microsoft.VisualStudio.Services.VSIXPackage", "Microsoft.VisualStudio.Code.Manifest",
			"Microsoft.VisualStudio.Services.Content.Details", "Microsoft.VisualStudio.Services.Content.Changelog",
			"Microsoft.VisualStudio.Services.Content.License"} {
			if _, ok := m.Files[assetFiles[t]]; ok {
				files = append(files, map[string]string{"assetType": t, "source": assetBase + "/" + t})
			}
		}
		v["files"] = files
	}
	if flags&flagIncludeVersionProperties != 0 {
		props := []map[string]string{{"key": "Microsoft.VisualStudio.Code.Engine", "value": m.Engines["vscode"]},
			{"key": "Microsoft.VisualStudio.Code.ExtensionDependencies", "value": strings.Join(m.Dependencies, ",")},
			{"key": "Microsoft.VisualStudio.Code.ExtensionPack", "value": strings.Join(m.Bundled, ",")}}
		if m.PreRelease {
			props = append(props, map[string]string{"key": "Microsoft.VisualStudio.Code.PreRelease", "value": "true"})
		}
		v["properties"] = props
	}
	if flags&flagIncludeAssetURI != 0 {
		v["assetUri"], v["fallbackAssetUri"] = assetBase, assetBase
	}
	return v
}

// asset answers GET /vscode/asset/NS/EXT/VERSION/ASSET_TYPE with the stored file.
func (a api) asset(ns, name, version, assetType string) (*sdk.Response, error) {
	kind, ok := assetFiles[assetType]
	if !ok || !validName(ns) || !validName(name) || !validVersion(version) {
		return nil, fail(404, "asset not found")
	}
	rs, err := a.lookup(ns, name)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if rs[i].version != version {
			continue
		}
		m := rs[i].meta()
		if file, ok := m.Files[kind]; ok {
			return &sdk.Response{Status: 200, Kind: sdk.BodyServePath, Target: fileDir(m.Namespace, m.Name, m.Version) + file}, nil
		}
	}
	return nil, fail(404, "asset "+assetType+" of "+ns+"."+name+" "+version+" not found")
}
