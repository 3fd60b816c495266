package cocoapods

import (
	"bytes"
	"encoding/json"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/multipart"
)

// Limits of a push and of the index documents.
const (
	maxPodspec = 256 << 10
	maxEntries = 100000
	maxPods    = 100000
	maxShard   = 200000
)

// shardNS holds one key "A_B_C/NAME/VERSION" per published version, the
// rows of the shard files.
const shardNS = "shard"

// push takes a multipart POST with the podspec JSON ("podspec") and the
// pod's archive ("archive", a zip or a gzip-compressed tar), checks both,
// rewrites the podspec's source to the stored archive and stores both:
// the podspec where the CDN layout puts it, the version in its shard.
func push(h sdk.Host, req *sdk.Request) (*sdk.Response, error) {
	if req.User == "" {
		return textError(401, "pushing a pod needs a Keeper API token"), nil
	}
	if req.Body == nil {
		return textError(400, "the push has no body"), nil
	}
	boundary, ok, err := multipart.Boundary(req.Header("Content-Type"))
	if err != nil || !ok {
		return textError(400, `the push must be multipart/form-data with the parts "podspec" and "archive"`), nil
	}
	form, err := multipart.Parse(h, req.Body.Digest, req.Body.Size, boundary, multipart.Options{Unique: true,
		Collect: "podspec", CollectMax: maxPodspec})
	if err != nil {
		return textError(400, err.Error()), nil
	}
	specPart, ok := form.Part("podspec")
	if !ok {
		return textError(400, `the push has no "podspec" part`), nil
	}
	arch, ok := form.Part("archive")
	if !ok {
		return textError(400, `the push has no "archive" part`), nil
	}
	if specPart.Size > maxPodspec {
		return textError(400, "the podspec is larger than 256 KiB"), nil
	}
	raw := specPart.Data
	if raw == nil {
		if raw, err = readPart(h, req.Body.Digest, specPart); err != nil {
			return textError(400, "the podspec part cannot be read"), nil
		}
	}
	spec, name, version, msg := parsePodspec(raw)
	if msg != "" {
		return textError(400, msg), nil
	}
	path := specPath(name, version)
	if f, err := h.GetFile(path); err != nil {
		return nil, err
	} else if f != nil {
		return textError(409, "version "+version+" of pod "+name+" already exists"), nil
	}
	digest, err := multipart.CopyPart(h, req.Body.Digest, arch)
	if err != nil {
		return nil, err
	}
	kind, ext, msg := checkArchive(h, digest)
	if msg != "" {
		return textError(400, msg), nil
	}
	archivePath := "pods/" + name + "/" + version + "/" + name + "-" + version + "." + ext
	archiveURL := req.Repo.BaseURL + "/" + archivePath
	src, _ := json.Marshal(map[string]string{"http": archiveURL, "type": kind, "sha256": digest})
	spec["source"] = src
	doc, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, err
	}
	specDigest, err := h.PutBlob(append(doc, '\n'))
	if err != nil {
		return nil, err
	}
	ct := "application/zip"
	if ext == "tar.gz" {
		ct = "application/gzip"
	}
	for _, f := range []sdk.StagedFile{
		{Path: archivePath, BlobDigest: digest, ContentType: ct, Package: name, Version: version},
		{Path: path, BlobDigest: specDigest, ContentType: "application/json", Package: name, Version: version},
	} {
		if err := h.StageFile(f); err != nil {
			return nil, err
		}
	}
	if err := h.StageVersion(sdk.VersionPut{Package: name, Version: version, Metadata: []byte(`{}`)}); err != nil {
		return nil, err
	}
	if err := h.KVPut(shardNS, shardOf(name)+"/"+name+"/"+version, nil); err != nil {
		return nil, err
	}
	b := []byte(`{"name":`)
	b = sdk.AppendJSONString(b, name)
	b = append(b, `,"version":`...)
	b = sdk.AppendJSONString(b, version)
	b = append(b, `,"podspec_url":`...)
	b = sdk.AppendJSONString(b, req.Repo.BaseURL+"/"+path)
	b = append(b, `,"archive_url":`...)
	b = sdk.AppendJSONString(b, archiveURL)
	return &sdk.Response{Status: 201, Kind: sdk.BodyBytes, Bytes: append(b, '}'),
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}, {Name: "Location", Value: req.Repo.BaseURL + "/" + path}}}, nil
}

// parsePodspec reads a podspec JSON (as `pod ipc spec NAME.podspec` prints
// it): an object with a pod name and a version.
func parsePodspec(raw []byte) (spec map[string]json.RawMessage, name, version, msg string) {
	d := json.NewDecoder(bytes.NewReader(raw))
	if d.Decode(&spec) != nil || spec == nil {
		return nil, "", "", "the podspec is not a JSON object (convert a Ruby podspec with `pod ipc spec NAME.podspec`)"
	}
	if d.More() {
		return nil, "", "", "the podspec has data after its JSON object"
	}
	if json.Unmarshal(spec["name"], &name) != nil || json.Unmarshal(spec["version"], &version) != nil {
		return nil, "", "", "the podspec needs a string name and version"
	}
	if !validName(name) {
		return nil, "", "", "pod name " + clip(name) + " is not valid (letters, digits, - _ . +, not starting with .)"
	}
	if !validVersion(version) {
		return nil, "", "", "version " + clip(version) + " is not a CocoaPods version"
	}
	return spec, name, version, ""
}

// checkArchive accepts a zip or a gzip-compressed tar (the http source
// types CocoaPods downloads and unpacks) whose names stay inside it.
func checkArchive(h sdk.Host, digest string) (kind, ext, msg string) {
	head, err := h.ReadBlob(digest, 0, 4)
	if err != nil {
		return "", "", "the archive cannot be read"
	}
	ak := sdk.ArchiveZip
	kind, ext = "zip", "zip"
	switch {
	case len(head) >= 4 && string(head) == "PK\x03\x04":
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		ak, kind, ext = sdk.ArchiveTarGz, "tgz", "tar.gz"
	default:
		return "", "", "the archive is neither a zip nor a gzip-compressed tar"
	}
	ents, err := h.ArchiveList(digest, ak, maxEntries)
	if err != nil {
		return "", "", "the archive is not a readable " + ext + ": " + err.Error()
	}
	if len(ents) == 0 {
		return "", "", "the archive is empty"
	}
	for _, e := range ents {
		n := strings.ReplaceAll(e.Name, "\\", "/")
		if strings.HasPrefix(n, "/") || n == ".." || strings.HasPrefix(n, "../") || strings.Contains(n, "/../") ||
			strings.HasSuffix(n, "/..") || len(n) > 1 && n[1] == ':' {
			return "", "", "the archive holds " + clip(e.Name) + ", a path outside the pod"
		}
	}
	return kind, ext, ""
}

func readPart(h sdk.Host, body string, p multipart.Part) ([]byte, error) {
	out := make([]byte, 0, p.Size)
	for uint64(len(out)) < p.Size {
		b, err := h.ReadBlob(body, p.Offset+uint64(len(out)), uint32(p.Size-uint64(len(out))))
		if err != nil || len(b) == 0 {
			return nil, sdk.Errorf(400, "the body ended early")
		}
		out = append(out, b...)
	}
	return out, nil
}

// allPods answers all_pods.txt: every pod name, one a line.
func allPods(h sdk.Host) (*sdk.Response, error) {
	var b []byte
	err := sdk.EachPackage(h, "", maxPods, func(p sdk.PackageInfo) error {
		b = append(append(b, p.Name...), '\n')
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: 60000,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}}, nil
}

// shardFile answers all_pods_versions_A_B_C.txt: a line "Name/v1/v2" per
// pod of the shard (cdn_source.rb reads the versions of a pod from it).
func shardFile(h sdk.Host, shard string) (*sdk.Response, error) {
	var b []byte
	last := ""
	err := sdk.EachKV(h, shardNS, shard+"/", maxShard, func(e sdk.KVEntry) error {
		name, version, ok := strings.Cut(strings.TrimPrefix(e.Key, shard+"/"), "/")
		if !ok {
			return nil
		}
		if name != last {
			if last != "" {
				b = append(b, '\n')
			}
			b = append(b, name...)
			last = name
		}
		b = append(append(b, '/'), version...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if last != "" {
		b = append(b, '\n')
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: 60000,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}}, nil
}
