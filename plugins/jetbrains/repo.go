package jetbrains

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"path"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/multipart"
)

const (
	docTTL      = 60_000
	maxPlugins  = 20_000
	maxVersions = 5_000
)

// stored is a published version: its descriptor and file.
type stored struct {
	descriptor
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	Size   uint64 `json:"size"`
}

func filePath(id, version, file string) string { return "plugins/" + id + "/" + version + "/" + file }

func versionsOf(h sdk.Host, id string) ([]stored, error) {
	var out []stored
	err := sdk.EachVersion(h, id, maxVersions, func(v sdk.VersionInfo) error {
		var s stored
		if json.Unmarshal(v.Metadata, &s) == nil && s.Version == v.Version {
			out = append(out, s)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return compareVersions(out[i].Version, out[j].Version) > 0 })
	return out, err
}

// newest returns the newest version of every plugin compatible with build.
func newest(h sdk.Host, build string) ([]stored, error) {
	var out []stored
	err := sdk.EachPackage(h, "", maxPlugins, func(p sdk.PackageInfo) error {
		vs, err := versionsOf(h, p.Name)
		if err != nil {
			return err
		}
		for i := range vs {
			if compatible(&vs[i].descriptor, build) {
				out = append(out, vs[i])
				break
			}
		}
		return nil
	})
	return out, err
}

func xmlResponse(b []byte) *sdk.Response {
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: docTTL,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/xml"}}}
}

type ideaVersion struct {
	Since string `xml:"since-build,attr,omitempty"`
	Until string `xml:"until-build,attr,omitempty"`
}

// updateEntry is one <plugin> of updatePlugins.xml.
type updateEntry struct {
	ID          string      `xml:"id,attr"`
	URL         string      `xml:"url,attr"`
	Version     string      `xml:"version,attr"`
	IdeaVersion ideaVersion `xml:"idea-version"`
	Name        string      `xml:"name,omitempty"`
	Vendor      string      `xml:"vendor,omitempty"`
	Description string      `xml:"description,omitempty"`
}

type updatePluginsDoc struct {
	XMLName xml.Name      `xml:"plugins"`
	Plugins []updateEntry `xml:"plugin"`
}

func (s *stored) update(base string) updateEntry {
	return updateEntry{ID: s.ID, URL: base + "/" + filePath(s.ID, s.Version, s.File), Version: s.Version,
		IdeaVersion: ideaVersion{s.IdeaVersion.Since, s.IdeaVersion.Until}, Name: s.Name, Vendor: s.Vendor, Description: s.Description}
}

func updatePlugins(h sdk.Host, base, build string) (*sdk.Response, error) {
	if r, err := assembledUpdates(h, base, build); r != nil || err != nil {
		return r, err
	}
	vs, err := newest(h, build)
	if err != nil {
		return nil, err
	}
	doc := updatePluginsDoc{Plugins: []updateEntry{}}
	for i := range vs {
		doc.Plugins = append(doc.Plugins, vs[i].update(base))
	}
	return renderXML(doc)
}

// listEntry is one <idea-plugin> of plugins/list/.
type listEntry struct {
	Name        string      `xml:"name"`
	ID          string      `xml:"id"`
	Version     string      `xml:"version"`
	IdeaVersion ideaVersion `xml:"idea-version"`
	Vendor      string      `xml:"vendor"`
	DownloadURL string      `xml:"download-url"`
	Description string      `xml:"description"`
}

type listDoc struct {
	XMLName    xml.Name `xml:"plugin-repository"`
	Categories []struct {
		Name    string      `xml:"name,attr"`
		Plugins []listEntry `xml:"idea-plugin"`
	} `xml:"category"`
}

func pluginList(h sdk.Host, base, build string) (*sdk.Response, error) {
	vs, err := newest(h, build)
	if err != nil {
		return nil, err
	}
	var doc listDoc
	doc.Categories = append(doc.Categories, struct {
		Name    string      `xml:"name,attr"`
		Plugins []listEntry `xml:"idea-plugin"`
	}{Name: "Keeper"})
	for i := range vs {
		s := &vs[i]
		doc.Categories[0].Plugins = append(doc.Categories[0].Plugins, listEntry{Name: s.Name, ID: s.ID, Version: s.Version,
			IdeaVersion: ideaVersion{s.IdeaVersion.Since, s.IdeaVersion.Until}, Vendor: s.Vendor,
			DownloadURL: base + "/" + filePath(s.ID, s.Version, s.File), Description: s.Description})
	}
	return renderXML(doc)
}

func renderXML(doc any) (*sdk.Response, error) {
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return xmlResponse(append([]byte(xml.Header), append(b, '\n')...)), nil
}

// download answers plugin/download?pluginId=&version=&build= (the
// Marketplace's download URL) with a redirect to the stored file.
func download(h sdk.Host, base string, q url.Values) (*sdk.Response, error) {
	id := q.Get("pluginId")
	if !validID(id) {
		return nil, fail(400, "pluginId is missing or not a plugin id")
	}
	vs, err := versionsOf(h, id)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if v := q.Get("version"); v == vs[i].Version || v == "" && compatible(&vs[i].descriptor, q.Get("build")) {
			return &sdk.Response{Status: 302, Kind: sdk.BodyBytes, Headers: []sdk.Header{
				{Name: "Location", Value: base + "/" + filePath(id, vs[i].Version, vs[i].File)}}}, nil
		}
	}
	return nil, fail(404, "no version of plugin "+id+" matches")
}

// upload takes POST plugin/uploadPlugin (multipart "file"; "pluginId" or
// "xmlId" when given must be the descriptor's id) and stores the version.
func upload(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.User == "" {
		return nil, fail(401, "uploading needs a Keeper API token (Authorization: Bearer)")
	}
	if req.Body == nil || req.Body.Size == 0 {
		return nil, fail(400, "empty upload: send the plugin as the multipart field \"file\"")
	}
	boundary, ok, err := multipart.Boundary(req.Header("Content-Type"))
	if !ok || err != nil {
		return nil, fail(400, "the upload must be multipart/form-data with a \"file\" field")
	}
	form, err := multipart.Parse(h, req.Body.Digest, req.Body.Size, boundary, multipart.Options{Limits: multipart.Limits{MaxParts: 10},
		Keep: map[string]bool{"xmlId": true, "channel": true}})
	if err != nil {
		return nil, fail(400, "malformed multipart body: "+err.Error())
	}
	part, ok := form.Files["file"]
	if !ok {
		return nil, fail(400, "the upload has no \"file\" field")
	}
	name := path.Base(strings.ReplaceAll(part.Filename, "\\", "/"))
	if !strings.HasSuffix(name, ".zip") && !strings.HasSuffix(name, ".jar") {
		return nil, fail(400, "the file must be a .zip or .jar plugin, not "+clip(part.Filename))
	}
	digest, err := multipart.CopyPart(h, req.Body.Digest, part)
	if err != nil {
		return nil, err
	}
	d, err := readDescriptor(h, digest)
	if err != nil {
		return nil, err
	}
	// pluginId is the Marketplace's numeric id, which Keeper has none of.
	if v := form.Values["xmlId"]; v != "" && v != d.ID {
		return nil, fail(400, "xmlId "+clip(v)+" is not the id in plugin.xml, "+d.ID)
	}
	if c := form.Values["channel"]; c != "" && c != "stable" && c != "default" {
		return nil, fail(400, "channels other than the default are not supported")
	}
	file := d.ID + "-" + d.Version + path.Ext(name)
	if f, err := h.GetFile(filePath(d.ID, d.Version, file)); err != nil {
		return nil, err
	} else if f != nil {
		return nil, fail(409, "plugin "+d.ID+" version "+d.Version+" already exists")
	}
	vs, err := versionsOf(h, d.ID)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.Version == d.Version {
			return nil, fail(409, "plugin "+d.ID+" version "+d.Version+" already exists")
		}
	}
	s := stored{descriptor: *d, File: file, SHA256: digest, Size: part.Size}
	meta, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	ct := "application/zip"
	if strings.HasSuffix(file, ".jar") {
		ct = "application/java-archive"
	}
	fileMeta, err := fileMetadata(&s)
	if err != nil {
		return nil, err
	}
	if err := h.StageFile(sdk.StagedFile{Path: filePath(d.ID, d.Version, file), BlobDigest: digest, ContentType: ct,
		Package: d.ID, Version: d.Version, Metadata: fileMeta}); err != nil {
		return nil, err
	}
	if err := h.StageVersion(sdk.VersionPut{Package: d.ID, Version: d.Version, Metadata: meta}); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(map[string]any{"id": d.ID, "name": d.Name, "version": d.Version,
		"file": req.Repo.BaseURL + "/" + filePath(d.ID, d.Version, file)})
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}
