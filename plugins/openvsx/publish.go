package openvsx

import (
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// namespaceNS is the key-value namespace of created namespaces (key: the
// lower-cased name, value: the name as created).
const namespaceNS = "namespaces"

// createNamespace takes POST /api/-/namespace/create with {"name"}
// (RegistryAPI.createNamespace): 201 {"success"}; an existing one is 409.
func (a api) createNamespace() (*sdk.Response, error) {
	body := a.req.Body
	if body == nil || body.Size == 0 || body.Size > 4096 {
		return nil, fail(400, "send the namespace as JSON {\"name\": …} (at most 4 KiB)")
	}
	raw, err := a.h.ReadBlob(body.Digest, 0, uint32(body.Size))
	if err != nil {
		return nil, err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(raw, &in); err != nil || !validName(in.Name) {
		return nil, fail(400, "invalid namespace name: "+quote(in.Name))
	}
	key := strings.ToLower(in.Name)
	if _, ok, err := a.h.KVGet(namespaceNS, key); err != nil {
		return nil, err
	} else if ok {
		return nil, fail(409, "Namespace already exists: "+in.Name)
	}
	if err := a.h.KVPut(namespaceNS, key, []byte(in.Name)); err != nil {
		return nil, err
	}
	return jsonResponse(201, map[string]string{"success": "Created namespace " + in.Name}, 0), nil
}

// publish takes POST /api/-/publish with the VSIX as the body
// (RegistryAPI.publish; ovsx sends it as application/octet-stream),
// checks it and stores it: 201 with the extension document. A refused
// VSIX is a 400 naming the problem and stores nothing.
func (a api) publish() (*sdk.Response, error) {
	h, body := a.h, a.req.Body
	if body == nil || body.Size == 0 {
		return nil, fail(400, "empty upload: send the .vsix as the request body")
	}
	v, err := readVSIX(h, body.Digest)
	if err != nil {
		return nil, err
	}
	p := v.pkg
	ns, name := strings.ToLower(p.Publisher), strings.ToLower(p.Name)
	if _, ok, err := h.KVGet(namespaceNS, ns); err != nil {
		return nil, err
	} else if !ok {
		return nil, fail(400, "Unknown publisher: "+p.Publisher+
			". Use the 'create-namespace' command to create a namespace corresponding to your publisher name.")
	}
	dir := fileDir(ns, name, p.Version)
	vsixName := ns + "." + name + "-" + p.Version + ".vsix"
	if f, err := h.GetFile(dir + vsixName); err != nil {
		return nil, err
	} else if f != nil {
		return nil, fail(409, "Extension "+ns+"."+name+" "+p.Version+" is already published.")
	}
	sha, err := h.Hash(sdk.SHA256, sdk.Source{Blob: body.Digest})
	if err != nil {
		return nil, err
	}
	m := extMeta{Namespace: ns, Name: name, Version: p.Version, DisplayName: p.DisplayName, Description: p.Description,
		Engines: p.Engines, Categories: p.Categories, Tags: p.Keywords, License: p.License, Homepage: p.Homepage,
		Repository: urlOf(p.Repository), Bugs: urlOf(p.Bugs), Dependencies: p.ExtensionDeps, Bundled: p.ExtensionPack,
		PreRelease: v.preRelease, Preview: p.Preview, PublishedBy: a.req.User, SHA256: sha, Size: body.Size,
		Files: map[string]string{"download": vsixName, "manifest": "package.json", "sha256": vsixName + ".sha256"}}
	type extra struct {
		file string
		data []byte
	}
	var docs []extra
	for _, kind := range []string{"readme", "changelog", "license"} {
		entry, ok := v.docs[kind]
		if !ok {
			continue
		}
		doc, err := h.ArchiveRead(body.Digest, sdk.ArchiveZip, entry, maxDoc)
		if err != nil {
			return nil, fail(400, "invalid VSIX: "+entry+": "+err.Error())
		}
		file := entry[strings.LastIndex(entry, "/")+1:]
		docs = append(docs, extra{file, doc})
		m.Files[kind] = file
	}
	meta, _ := json.Marshal(m)
	pkg := ns + "." + name
	stage := func(file, digest, ct string) error {
		fm := meta
		if file == sumFile(ns, name, p.Version) {
			fm = docMetadata(&m) // the extension document's pieces (assembled.go)
		}
		return h.StageFile(sdk.StagedFile{Path: dir + file, BlobDigest: digest, ContentType: ct, Package: pkg, Version: p.Version, Metadata: fm})
	}
	if err := stage(vsixName, body.Digest, "application/octet-stream"); err != nil {
		return nil, err
	}
	docs = append(docs, extra{"package.json", v.raw}, extra{sumFile(ns, name, p.Version), []byte(sha)})
	for _, d := range docs {
		ct := "text/plain"
		if strings.HasSuffix(d.file, ".json") {
			ct = "application/json"
		}
		if err := a.putFile(stage, d.file, d.data, ct); err != nil {
			return nil, err
		}
	}
	if err := h.StageVersion(sdk.VersionPut{Package: pkg, Version: p.Version, Metadata: versionMetadata(&m)}); err != nil {
		return nil, err
	}
	rel := release{version: m.Version, parsed: &m}
	doc := a.extensionDoc(&rel, []release{rel})
	return jsonResponse(201, doc, 0), nil
}

func (a api) putFile(stage func(file, digest, ct string) error, file string, data []byte, ct string) error {
	d, err := a.h.PutBlob(data)
	if err != nil {
		return err
	}
	return stage(file, d, ct)
}
