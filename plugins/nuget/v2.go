package nuget

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// The v2 OData (Atom) feed NuGet 2.x clients read: the service document,
// $metadata with the FindPackagesById and Search function imports, single
// entries Packages(Id='…',Version='…'), and feeds. Shapes follow
// NuGet.Server's V2FeedPackage (https://github.com/NuGet/NuGet.Server) and
// https://learn.microsoft.com/en-us/nuget/api/overview#nugetorg-protocols.

var entryRe = regexp.MustCompile(`^Packages\(Id='((?:[^']|'')*)',Version='((?:[^']|'')*)'\)$`)

const atomNS = `xmlns="http://www.w3.org/2005/Atom" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"`

func serveV2(h sdk.Host, req *sdk.Request, rest string) (*sdk.Response, error) {
	base := req.Repo.BaseURL + "/api/v2/"
	q, err := url.ParseQuery(req.RawQuery)
	if err != nil {
		return xmlError(400, "the query is not valid"), nil
	}
	if upstreamQuery(req, rest) {
		// The host answers from the upstream or the members (dispatch.UpstreamQueryHeader).
		return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Headers: []sdk.Header{{Name: "X-Keeper-Upstream", Value: "query"}}}, nil
	}
	switch {
	case rest == "":
		return xmlResponse(200, []byte(`<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<service xml:base="`+esc(base)+`" xmlns="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom"><workspace><atom:title>Default</atom:title><collection href="Packages"><atom:title>Packages</atom:title></collection></workspace></service>`), "application/xml"), nil
	case rest == "$metadata":
		return xmlResponse(200, []byte(edmx), "application/xml"), nil
	case rest == "FindPackagesById()" || rest == "FindPackagesById":
		id := odataString(q.Get("id"))
		if !idRe.MatchString(id) {
			return xmlResponse(200, feed(base, "FindPackagesById", nil), "application/atom+xml"), nil
		}
		if r, err := assembledFeed(h, base, "FindPackagesById", strings.ToLower(id), semver2(q)); r != nil || err != nil {
			return r, err
		}
		rs, err := records(h, strings.ToLower(id))
		if err != nil {
			return nil, err
		}
		return xmlResponse(200, feed(base, "FindPackagesById", visible(rs, true, semver2(q))), "application/atom+xml"), nil
	case rest == "Search()" || rest == "Search" || rest == "Packages()" || rest == "Packages":
		if q.Get("$filter") != "" && !strings.HasPrefix(rest, "Search") {
			return xmlError(400, "$filter is not supported; use FindPackagesById() or Search()"), nil
		}
		return v2Search(h, base, q, strings.TrimSuffix(rest, "()"))
	case strings.HasPrefix(rest, "Packages("):
		m := entryRe.FindStringSubmatch(rest)
		if m == nil {
			return xmlError(400, "expected Packages(Id='…',Version='…')"), nil
		}
		r, err := find(h, strings.ReplaceAll(m[1], "''", "'"), strings.ReplaceAll(m[2], "''", "'"))
		if err != nil {
			return nil, err
		}
		if r == nil {
			return xmlError(404, "package not found"), nil
		}
		rs, _ := records(h, strings.ToLower(r.ID))
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
		writeEntry(&b, base, r, latestFlags(rs), true)
		return xmlResponse(200, b.Bytes(), "application/atom+xml"), nil
	}
	return xmlError(404, "not found"), nil
}

func semver2(q url.Values) bool { return strings.HasPrefix(q.Get("semVerLevel"), "2") }

// odataString reads an OData string literal ('Keeper.Demo', quotes doubled).
func odataString(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		s = strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return s
}

// visible keeps listed versions (prerelease ones when pre), and SemVer 2
// ones only for clients that asked for them.
func visible(rs []record, pre, semver2 bool) []record {
	out := rs[:0:0]
	for _, r := range rs {
		if !r.Unlisted && (pre || !strings.Contains(r.Version, "-")) && (semver2 || !r.semver2()) {
			out = append(out, r)
		}
	}
	return out
}

type flags struct{ latest, absLatest string }

// latestFlags names the latest release and the latest version of any kind.
func latestFlags(rs []record) flags {
	var f flags
	for _, r := range visible(rs, true, true) {
		f.absLatest = r.Version
		if !strings.Contains(r.Version, "-") {
			f.latest = r.Version
		}
	}
	return f
}

func v2Search(h sdk.Host, base string, q url.Values, title string) (*sdk.Response, error) {
	term := strings.ToLower(odataString(q.Get("searchTerm")))
	pre := strings.EqualFold(q.Get("includePrerelease"), "true")
	skip, _ := strconv.Atoi(q.Get("$skip"))
	top, err := strconv.Atoi(q.Get("$top"))
	if err != nil || top <= 0 || top > 1000 {
		top = 100
	}
	var out []record
	n := 0
	err = sdk.EachPackage(h, "", maxSearchScan, func(p sdk.PackageInfo) error {
		rs, err := records(h, p.Name)
		if err != nil {
			return err
		}
		vis := visible(rs, pre, semver2(q))
		if len(vis) == 0 {
			return nil
		}
		r := vis[len(vis)-1]
		if term != "" && !strings.Contains(strings.ToLower(r.ID+" "+r.Description+" "+r.Tags+" "+r.Title), term) {
			return nil
		}
		n++
		if n > skip && len(out) < top {
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return xmlResponse(200, feed(base, title, out), "application/atom+xml"), nil
}

func feed(base, title string, rs []record) []byte {
	var b bytes.Buffer
	var updated int64
	for _, r := range rs {
		updated = max(updated, r.created)
	}
	b.WriteString(feedHead(base, title, updated))
	f := latestFlags(rs)
	for i := range rs {
		writeEntry(&b, base, &rs[i], f, false)
	}
	b.WriteString(`</feed>`)
	return b.Bytes()
}

// feedHead is a feed up to its first entry; updated is its latest time.
func feedHead(base, title string, updated int64) string {
	return `<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<feed xml:base="` + esc(base) + `" ` + atomNS + `>` +
		`<id>` + esc(base+title) + `</id><title type="text">` + esc(title) + `</title>` +
		`<updated>` + timeOf(updated) + `</updated><link rel="self" title="` + esc(title) + `" href="` + esc(title) + `" />`
}

func writeEntry(b *bytes.Buffer, base string, r *record, f flags, root bool) {
	updated := timeOf(r.created)
	t := entryTimes{updated: updated, when: strings.TrimSuffix(updated, "Z"), published: strings.TrimSuffix(published(r), "Z"),
		latest: strconv.FormatBool(r.Version == f.latest), absLatest: strconv.FormatBool(r.Version == f.absLatest)}
	writeEntryWith(b, base, r, t, root)
}

// entryTimes are the texts of an entry that depend on its row's time and
// on the other versions (entryPieces writes markers in their place).
type entryTimes struct{ updated, when, published, latest, absLatest string }

func writeEntryWith(b *bytes.Buffer, base string, r *record, t entryTimes, root bool) {
	self := "Packages(Id='" + strings.ReplaceAll(r.ID, "'", "''") + "',Version='" + r.Version + "')"
	b.WriteString(`<entry`)
	if root {
		b.WriteString(` xml:base="` + esc(base) + `" ` + atomNS)
	}
	b.WriteString(`><id>` + esc(base+self) + `</id>`)
	b.WriteString(`<category term="NuGetGallery.OData.V2FeedPackage" scheme="http://schemas.microsoft.com/ado/2007/08/dataservices/scheme" />`)
	b.WriteString(`<link rel="edit" title="V2FeedPackage" href="` + esc(self) + `" />`)
	b.WriteString(`<title type="text">` + esc(r.ID) + `</title><summary type="text">` + esc(r.Summary) + `</summary>`)
	b.WriteString(`<updated>` + t.updated + `</updated><author><name>` + esc(r.Authors) + `</name></author>`)
	b.WriteString(`<link rel="edit-media" title="V2FeedPackage" href="` + esc(self) + `/$value" />`)
	// Under the source URL, so NuGet 2.x sends the source's credentials;
	// stored at this path too, so virtual repositories resolve it in members.
	b.WriteString(`<content type="application/zip" src="` + esc(base+v2Path(r.ID, r.Version)) + `" />`)
	b.WriteString(`<m:properties>`)
	prop := func(name, typ, v string) {
		b.WriteString(`<d:` + name)
		if typ != "" {
			b.WriteString(` m:type="` + typ + `"`)
		}
		b.WriteString(`>` + esc(v) + `</d:` + name + `>`)
	}
	str := func(name, v string) {
		if v == "" {
			b.WriteString(`<d:` + name + ` m:null="true" />`)
			return
		}
		prop(name, "", v)
	}
	boolean := func(name string, v bool) { prop(name, "Edm.Boolean", strconv.FormatBool(v)) }
	when := t.when
	prop("Id", "", r.ID)
	prop("Version", "", r.Version)
	prop("NormalizedVersion", "", r.Version)
	str("Authors", r.Authors)
	str("Copyright", r.Copyright)
	prop("Created", "Edm.DateTime", when)
	prop("Dependencies", "", dependencies(r))
	str("Description", r.Description)
	prop("DownloadCount", "Edm.Int32", "0")
	str("IconUrl", r.IconURL)
	prop("IsLatestVersion", "Edm.Boolean", t.latest)
	prop("IsAbsoluteLatestVersion", "Edm.Boolean", t.absLatest)
	boolean("IsPrerelease", strings.Contains(r.Version, "-"))
	str("Language", r.Language)
	prop("LastUpdated", "Edm.DateTime", when)
	prop("Published", "Edm.DateTime", t.published)
	str("LicenseUrl", r.LicenseURL)
	boolean("Listed", !r.Unlisted)
	str("MinClientVersion", r.MinClientVersion)
	prop("PackageHash", "", r.SHA512)
	prop("PackageHashAlgorithm", "", "SHA512")
	prop("PackageSize", "Edm.Int64", strconv.FormatUint(r.Size, 10))
	str("ProjectUrl", r.ProjectURL)
	str("ReleaseNotes", r.ReleaseNotes)
	boolean("RequireLicenseAcceptance", r.RequireLicenseAcceptance)
	str("Summary", r.Summary)
	str("Tags", r.Tags)
	str("Title", r.Title)
	prop("VersionDownloadCount", "Edm.Int32", "0")
	b.WriteString(`</m:properties></entry>`)
}

// dependencies is the v2 form: id:range:framework joined by '|'.
func dependencies(r *record) string {
	var parts []string
	for _, g := range r.DependencyGroups {
		if len(g.Dependencies) == 0 {
			parts = append(parts, "::"+g.TargetFramework)
		}
		for _, d := range g.Dependencies {
			parts = append(parts, d.ID+":"+d.Range+":"+g.TargetFramework)
		}
	}
	return strings.Join(parts, "|")
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func xmlResponse(status int, b []byte, ct string) *sdk.Response {
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b,
		Headers: []sdk.Header{{Name: "Content-Type", Value: ct + ";charset=utf-8"}, {Name: "DataServiceVersion", Value: "2.0;"}}}
}

// xmlError is an OData error document.
func xmlError(status int, msg string) *sdk.Response {
	return xmlResponse(status, []byte(`<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<m:error xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"><m:code /><m:message xml:lang="en-US">`+esc(msg)+`</m:message></m:error>`), "application/xml")
}

// edmx is the service's $metadata: the V2FeedPackage entity and the
// functions NuGet 2.x looks for before using them.
const edmx = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx"><edmx:DataServices m:DataServiceVersion="2.0" m:MaxDataServiceVersion="2.0" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"><Schema Namespace="NuGetGallery.OData" xmlns="http://schemas.microsoft.com/ado/2006/04/edm"><EntityType Name="V2FeedPackage" m:HasStream="true"><Key><PropertyRef Name="Id" /><PropertyRef Name="Version" /></Key><Property Name="Id" Type="Edm.String" Nullable="false" /><Property Name="Version" Type="Edm.String" Nullable="false" /><Property Name="NormalizedVersion" Type="Edm.String" /><Property Name="Authors" Type="Edm.String" /><Property Name="Copyright" Type="Edm.String" /><Property Name="Created" Type="Edm.DateTime" Nullable="false" /><Property Name="Dependencies" Type="Edm.String" /><Property Name="Description" Type="Edm.String" /><Property Name="DownloadCount" Type="Edm.Int32" Nullable="false" /><Property Name="IconUrl" Type="Edm.String" /><Property Name="IsLatestVersion" Type="Edm.Boolean" Nullable="false" /><Property Name="IsAbsoluteLatestVersion" Type="Edm.Boolean" Nullable="false" /><Property Name="IsPrerelease" Type="Edm.Boolean" Nullable="false" /><Property Name="Language" Type="Edm.String" /><Property Name="LastUpdated" Type="Edm.DateTime" Nullable="false" /><Property Name="Published" Type="Edm.DateTime" Nullable="false" /><Property Name="LicenseUrl" Type="Edm.String" /><Property Name="Listed" Type="Edm.Boolean" Nullable="false" /><Property Name="MinClientVersion" Type="Edm.String" /><Property Name="PackageHash" Type="Edm.String" /><Property Name="PackageHashAlgorithm" Type="Edm.String" /><Property Name="PackageSize" Type="Edm.Int64" Nullable="false" /><Property Name="ProjectUrl" Type="Edm.String" /><Property Name="ReleaseNotes" Type="Edm.String" /><Property Name="RequireLicenseAcceptance" Type="Edm.Boolean" Nullable="false" /><Property Name="Summary" Type="Edm.String" /><Property Name="Tags" Type="Edm.String" /><Property Name="Title" Type="Edm.String" /><Property Name="VersionDownloadCount" Type="Edm.Int32" Nullable="false" /></EntityType></Schema><Schema Namespace="NuGetGallery" xmlns="http://schemas.microsoft.com/ado/2006/04/edm"><EntityContainer Name="V2FeedContext" m:IsDefaultEntityContainer="true"><EntitySet Name="Packages" EntityType="NuGetGallery.OData.V2FeedPackage" /><FunctionImport Name="Search" ReturnType="Collection(NuGetGallery.OData.V2FeedPackage)" EntitySet="Packages" m:HttpMethod="GET"><Parameter Name="searchTerm" Type="Edm.String" /><Parameter Name="targetFramework" Type="Edm.String" /><Parameter Name="includePrerelease" Type="Edm.Boolean" /></FunctionImport><FunctionImport Name="FindPackagesById" ReturnType="Collection(NuGetGallery.OData.V2FeedPackage)" EntitySet="Packages" m:HttpMethod="GET"><Parameter Name="id" Type="Edm.String" /></FunctionImport></EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`

// upstreamQuery reports whether a query of a remote or virtual repository
// is answered by the host from the upstream or the members: the repository
// holds no feed of its own to search.
func upstreamQuery(req *sdk.Request, rest string) bool {
	if req.RawQuery == "" || req.Repo.Kind != "remote" && req.Repo.Kind != "virtual" {
		return false
	}
	switch strings.TrimSuffix(rest, "()") {
	case "FindPackagesById", "Search":
		return true
	}
	return false
}
