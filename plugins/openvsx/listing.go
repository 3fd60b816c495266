package openvsx

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// The extension and versions documents name every version but describe one.
// The host lists the versions with the assemble import (contract 0.6.0,
// docs/decisions/0012): a return-text template gives the guest each
// version and its preRelease flag, a few bytes a version, so the version
// documents never enter the guest; the one version described is then read
// alone. A version document the projection finds irregular (or with a
// preRelease that is not a boolean) sends the request to the full listing.

// listed is the versions of pkg in the host's order, with the metadata of
// none, and the index of the latest (as latestOf picks it from them sorted);
// prev holds the version stored before each (host order), for reading one
// version's metadata. ok is false when a version's document was irregular:
// the caller lists them all.
func (a api) listed(pkg string) (rs []release, latest int, prev []string, ok bool, err error) {
	as, err := sdk.Assemble(a.h, sdk.Template{ReturnText: true, Parts: []sdk.Part{{Kind: hostjson.PartLoop}},
		Loops: []sdk.Loop{{Source: hostjson.Versions, Package: pkg, Limit: maxVersions, Members: []string{"preRelease"},
			MemberForm: hostjson.Compact, Items: []hostjson.Item{
				{Kind: hostjson.ItemExpect, Names: []string{"true", "false", "null"}},
				{Kind: hostjson.ItemField, Field: hostjson.FieldVersion},
				{Kind: hostjson.ItemLiteral, Text: []byte("\t")}, {Kind: hostjson.ItemMember},
				{Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}}})
	if err != nil || as.Irregular > 0 {
		return nil, 0, nil, false, err
	}
	last, best, bestPre := "", -1, -1
	for text := string(as.Text); text != ""; {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		v, pre, found := strings.Cut(line, "\t")
		if !found {
			continue
		}
		if sv, ok := semver.Parse(v); ok {
			rs = append(rs, release{version: v, v: sv, listedPre: pre == "true"})
			prev = append(prev, last)
			// latestOf takes the highest that is not a pre-release, else
			// the highest.
			r := &rs[len(rs)-1]
			if isPre(r) {
				if bestPre < 0 || sv.Compare(rs[bestPre].v) > 0 {
					bestPre = len(rs) - 1
				}
			} else if best < 0 || sv.Compare(rs[best].v) > 0 {
				best = len(rs) - 1
			}
		}
		last = v
	}
	if best < 0 {
		best = bestPre
	}
	return rs, best, prev, true, nil
}

// described reads the metadata of r, which listed found after prev; false
// when it is gone or empty.
func (a api) described(pkg, prev string, r *release) (bool, error) {
	vs, err := a.h.ListVersions(pkg, prev, 1)
	if err != nil || len(vs) != 1 || vs[0].Version != r.version || len(vs[0].Metadata) == 0 {
		return false, err
	}
	r.raw, r.createdMs = vs[0].Metadata, vs[0].CreatedMs
	return true, nil
}

// listedExtension answers the extension document of version ("" the
// latest) from the listing; nil (and no error) when the caller must render
// it from every version document.
func (a api) listedExtension(ns, name, version string) (*sdk.Response, error) {
	if !validName(ns) || !validName(name) {
		return nil, nil
	}
	pkg := strings.ToLower(ns) + "." + strings.ToLower(name)
	rs, latest, prev, ok, err := a.listed(pkg)
	if err != nil || !ok || len(rs) == 0 {
		return nil, err
	}
	i := latest
	if version != "" && version != "latest" {
		if i = slices.IndexFunc(rs, func(r release) bool { return r.version == version }); i < 0 {
			return nil, fail(404, "Extension not found: "+ns+"."+name+" "+version)
		}
	}
	r := &rs[i]
	if ok, err := a.described(pkg, prev[i], r); !ok || err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: a.extensionJSON(r, rs, rs[latest].version), CacheTTLMs: docTTLMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// listedVersions answers GET /api/NS/EXT/versions from the listing.
func (a api) listedVersions(ns, name string) (*sdk.Response, error) {
	if !validName(ns) || !validName(name) {
		return nil, nil
	}
	ns, name = strings.ToLower(ns), strings.ToLower(name)
	rs, _, _, ok, err := a.listed(ns + "." + name)
	if err != nil || !ok || len(rs) == 0 {
		return nil, err
	}
	// As json.Marshal writes the map: versions in byte order.
	vs := make([]string, len(rs))
	for i := range rs {
		vs[i] = rs[i].version
	}
	slices.Sort(vs)
	extURL := a.base() + "/api/" + ns + "/" + name + "/"
	b := strconv.AppendInt([]byte(`{"offset":0,"totalSize":`), int64(len(rs)), 10)
	b = append(b, `,"versions":{`...)
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(sdk.AppendJSONString(b, v), ':')
		b = sdk.AppendJSONString(b, extURL+v)
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: append(b, "}}"...), CacheTTLMs: docTTLMs,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}

// extensionJSON writes json.Marshal(a.extensionDoc(r, all)) without
// reflection (the members in the order encoding/json sorts a map's keys);
// all may be in any order, latest is the version latestOf picks.
func (a api) extensionJSON(r *release, all []release, latest string) []byte {
	m := r.meta()
	base := a.base()
	extURL := base + "/api/" + m.Namespace + "/" + m.Name
	str := func(b []byte, key, s string) []byte {
		return sdk.AppendJSONString(append(b, `,"`+key+`":`...), s)
	}
	list := func(b []byte, key string, ss []string) []byte {
		b = append(b, `,"`+key+`":[`...)
		for i, s := range ss {
			if i > 0 {
				b = append(b, ',')
			}
			b = sdk.AppendJSONString(b, s)
		}
		return append(b, ']')
	}
	refList := func(b []byte, key string, ids []string) []byte {
		b = append(b, `,"`+key+`":[`...)
		for i, id := range ids {
			ns, name, _ := strings.Cut(id, ".")
			if i > 0 {
				b = append(b, ',')
			}
			b = sdk.AppendJSONString(append(b, `{"extension":`...), name)
			b = append(sdk.AppendJSONString(append(b, `,"namespace":`...), ns), '}')
		}
		return append(b, ']')
	}
	object := func(b []byte, keys []string, value func(string) string) []byte {
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = sdk.AppendJSONString(append(sdk.AppendJSONString(b, k), ':'), value(k))
		}
		return append(b, '}')
	}
	b := make([]byte, 0, 1024+len(all)*(len(extURL)+40))
	b = append(b, `{"allVersions":`...)
	if len(all) == 0 {
		b = append(b, "{}"...)
	} else {
		latestURL := extURL + "/latest"
		if latest == m.Version {
			latestURL = extURL + "/" + m.Version
		}
		keys := make([]string, 0, len(all)+1)
		keys = append(keys, "latest")
		for _, o := range all {
			keys = append(keys, o.version)
		}
		b = object(b, keys, func(k string) string {
			if k == "latest" {
				return latestURL
			}
			return extURL + "/" + k
		})
	}
	b = str(b, "allVersionsUrl", extURL+"/versions")
	b = str(append(b, `,"averageRating":null`...), "bugs", m.Bugs)
	b = refList(b, "bundledExtensions", m.Bundled)
	b = list(b, "categories", nonNil(m.Categories))
	b = refList(b, "dependencies", m.Dependencies)
	b = str(b, "description", m.Description)
	b = str(b, "displayName", m.DisplayName)
	b = append(b, `,"downloadCount":0,"downloads":{"universal":`...)
	fileURL := func(kind string) string {
		return base + "/" + fileDir(m.Namespace, m.Name, m.Version) + url.PathEscape(m.Files[kind])
	}
	if _, ok := m.Files["download"]; ok {
		b = sdk.AppendJSONString(b, fileURL("download"))
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `},"engines":`...)
	if m.Engines == nil {
		b = append(b, "null"...)
	} else {
		b = object(b, mapKeys(m.Engines), func(k string) string { return m.Engines[k] })
	}
	b = append(b, `,"files":`...)
	b = object(b, mapKeys(m.Files), fileURL)
	b = str(b, "homepage", m.Homepage)
	b = str(b, "license", m.License)
	b = str(b, "name", m.Name)
	b = str(b, "namespace", m.Namespace)
	b = append(b, `,"namespaceAccess":"restricted"`...)
	b = str(b, "namespaceDisplayName", m.Namespace)
	b = str(b, "namespaceUrl", base+"/api/"+m.Namespace)
	b = strconv.AppendBool(append(b, `,"preRelease":`...), m.PreRelease)
	b = strconv.AppendBool(append(b, `,"preview":`...), m.Preview)
	b = append(sdk.AppendJSONString(append(b, `,"publishedBy":{"loginName":`...), m.PublishedBy), '}')
	b = str(b, "repository", m.Repository)
	b = append(b, `,"reviewCount":0`...)
	b = str(b, "reviewsUrl", extURL+"/reviews")
	b = str(b, "sha256", m.SHA256)
	b = list(b, "tags", nonNil(m.Tags))
	b = append(b, `,"targetPlatform":"universal"`...)
	b = str(b, "timestamp", timestamp(r.createdMs))
	b = append(b, `,"unrelatedPublisher":false,"verified":false`...)
	b = str(b, "version", m.Version)
	if len(all) > 0 {
		return append(b, `,"versionAlias":["latest"]}`...)
	}
	return append(b, `,"versionAlias":[]}`...)
}

func mapKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}
