package buf

import (
	"crypto/sha256"
	"crypto/sha3"
	"encoding/hex"
	"encoding/json"
	"path"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

const (
	nsModules    = "modules"
	nsLabels     = "labels"
	nsIDs        = "ids"
	defaultLabel = "main"
	maxFiles     = 10_000
	maxRefs      = 250
)

var rpcs = map[string]func(*call) (*sdk.Response, error){
	"buf.registry.module.v1.ModuleService/GetModules":     (*call).getModules,
	"buf.registry.module.v1.ModuleService/CreateModules":  (*call).createModules,
	"buf.registry.module.v1.UploadService/Upload":         (*call).upload,
	"buf.registry.module.v1.CommitService/GetCommits":     (*call).getCommits,
	"buf.registry.module.v1.GraphService/GetGraph":        (*call).getGraph,
	"buf.registry.module.v1.ResourceService/GetResources": (*call).getResources,
	"buf.registry.module.v1.DownloadService/Download":     (*call).download,
	"buf.registry.module.v1.LabelService/GetLabels":       (*call).getLabels,
}

// moduleRec is a module as stored (plugin key-value "modules", key
// OWNER/MODULE).
type moduleRec struct {
	ID           string `json:"id"`
	Owner        string `json:"owner"`
	Name         string `json:"name"`
	Description  string `json:"description,omitempty"`
	URL          string `json:"url,omitempty"`
	DefaultLabel string `json:"default_label"`
}

func (m *moduleRec) key() string { return m.Owner + "/" + m.Name }

// commitRec is a commit as stored: the version COMMIT_ID of package
// OWNER/MODULE, its files one blob of repeated File.
type commitRec struct {
	ID        string `json:"id"`
	ModuleID  string `json:"module_id"`
	Owner     string `json:"owner"`
	Module    string `json:"module"`
	Digest    string `json:"b5"`
	FilesBlob string `json:"files"`
	User      string `json:"user"`
	CreatedMs int64  `json:"-"`
}

type labelRec struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Commit string `json:"commit"`
}

// id is a registry id (32 hex digits, a dashless UUID as the protos
// require) derived from what it names.
func id(parts ...string) string {
	s := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	s[6] = s[6]&0x0f | 0x40
	s[8] = s[8]&0x3f | 0x80
	return hex.EncodeToString(s[:16])
}

func validName(s string) bool {
	if s == "" || len(s) > 100 || s[0] == '.' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func (c *call) getKV(ns, key string, v any) (bool, error) {
	b, ok, err := c.h.KVGet(ns, key)
	if err != nil || !ok {
		return false, err
	}
	return json.Unmarshal(b, v) == nil, nil
}

func (c *call) putKV(ns, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.h.KVPut(ns, key, b)
}

func (c *call) module(owner, name string) (*moduleRec, error) {
	var m moduleRec
	ok, err := c.getKV(nsModules, owner+"/"+name, &m)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fail("not_found", "module "+clip(owner)+"/"+clip(name)+" does not exist (buf push --create creates it)")
	}
	return &m, nil
}

func (c *call) commit(m *moduleRec, commitID string) (*commitRec, error) {
	var found *commitRec
	vs, err := c.h.ListVersions(m.key(), commitID[:len(commitID)-1], 20)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.Version == commitID {
			var cr commitRec
			if json.Unmarshal(v.Metadata, &cr) == nil {
				cr.CreatedMs = v.CreatedMs
				found = &cr
			}
		}
	}
	if found == nil {
		return nil, fail("not_found", "commit "+clip(commitID)+" does not exist in "+m.key())
	}
	return found, nil
}

func (c *call) label(m *moduleRec, name string) (*labelRec, error) {
	var l labelRec
	ok, err := c.getKV(nsLabels, m.key()+"/"+name, &l)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fail("not_found", "label "+clip(name)+" does not exist in "+m.key())
	}
	return &l, nil
}

// resolved is what a ref names: a module, and a label and commit in it
// (the default label's when the ref names only the module).
type resolved struct {
	module *moduleRec
	label  *labelRec
	commit *commitRec
	// kind is what the ref itself named: "module", "label" or "commit".
	kind string
}

func (c *call) resolve(r ref, wantCommit bool) (*resolved, error) {
	if r.ID != "" {
		var target string
		if ok, err := c.getKV(nsIDs, r.ID, &target); err != nil {
			return nil, err
		} else if !ok {
			return nil, fail("not_found", "no module, label or commit has id "+clip(r.ID))
		}
		kind, key, _ := strings.Cut(target, ":")
		owner, rest, _ := strings.Cut(key, "/")
		name, child, _ := strings.Cut(rest, "/")
		switch kind {
		case "commit":
			r = ref{Name: &nameRef{Owner: owner, Module: name, Ref: child}}
		case "label":
			r = ref{Name: &nameRef{Owner: owner, Module: name, LabelName: child}}
		default:
			r = ref{Name: &nameRef{Owner: owner, Module: name}}
		}
	}
	if r.Name == nil {
		return nil, fail("invalid_argument", "a ref needs an id or a name")
	}
	m, err := c.module(r.Name.Owner, r.Name.Module)
	if err != nil {
		return nil, err
	}
	res := &resolved{module: m, kind: "module"}
	labelName := r.Name.LabelName
	if labelName == "" {
		labelName = r.Name.Label
	}
	switch {
	case labelName != "":
		res.kind = "label"
	case r.Name.Ref != "":
		if len(r.Name.Ref) == 32 {
			if cr, err := c.commit(m, r.Name.Ref); err == nil {
				res.commit, res.kind = cr, "commit"
				return res, nil
			}
		}
		labelName, res.kind = r.Name.Ref, "label"
	}
	if res.kind == "module" && !wantCommit {
		return res, nil
	}
	if labelName == "" {
		labelName = m.DefaultLabel
	}
	if res.label, err = c.label(m, labelName); err != nil {
		return nil, err
	}
	if res.commit, err = c.commit(m, res.label.Commit); err != nil {
		return nil, err
	}
	return res, nil
}

func (c *call) refs() ([]ref, error) {
	var rr refsRequest
	if err := c.decode(&rr); err != nil {
		return nil, err
	}
	refs := rr.refs()
	if len(refs) == 0 || len(refs) > maxRefs {
		return nil, fail("invalid_argument", "between 1 and 250 refs are needed")
	}
	return refs, nil
}

func (c *call) getModules() (*sdk.Response, error) {
	refs, err := c.refs()
	if err != nil {
		return nil, err
	}
	var bin []byte
	var js []any
	for _, r := range refs {
		res, err := c.resolve(r, false)
		if err != nil {
			return nil, err
		}
		bin = appendBytes(bin, 1, c.moduleBin(res.module))
		js = append(js, c.moduleJSON(res.module))
	}
	return c.reply(bin, map[string]any{"modules": js})
}

// decodeValues decodes the request's values (a repeated field 1 in the
// binary codec, "values" in JSON): between 1 and maxRefs of them.
func decodeValues[T any](c *call) ([]T, error) {
	var vs []T
	if c.binary {
		if err := c.decode(&vs); err != nil {
			return nil, err
		}
	} else {
		var req struct {
			Values []T `json:"values"`
		}
		if err := c.decode(&req); err != nil {
			return nil, err
		}
		vs = req.Values
	}
	if len(vs) == 0 || len(vs) > maxRefs {
		return nil, fail("invalid_argument", "between 1 and 250 values are needed")
	}
	return vs, nil
}

func (c *call) createModules() (*sdk.Response, error) {
	vs, err := decodeValues[createValue](c)
	if err != nil {
		return nil, err
	}
	var bin []byte
	var js []any
	for _, v := range vs {
		owner := v.OwnerRef.Name
		if !validName(owner) || !validName(v.Name) {
			return nil, fail("invalid_argument", "owner "+clip(owner)+" and module "+clip(v.Name)+
				" must be 1-100 letters, digits, '-', '_' or '.'")
		}
		if _, err := c.module(owner, v.Name); err == nil {
			return nil, fail("already_exists", "module "+owner+"/"+v.Name+" already exists")
		}
		m := &moduleRec{ID: id("module", owner, v.Name), Owner: owner, Name: v.Name, Description: clip(v.Description),
			URL: clip(v.URL), DefaultLabel: v.DefaultLabelName}
		if m.DefaultLabel == "" {
			m.DefaultLabel = defaultLabel
		}
		if err := c.putKV(nsModules, m.key(), m); err != nil {
			return nil, err
		}
		if err := c.putKV(nsIDs, m.ID, "module:"+m.key()); err != nil {
			return nil, err
		}
		bin = appendBytes(bin, 1, c.moduleBin(m))
		js = append(js, c.moduleJSON(m))
	}
	return c.reply(bin, map[string]any{"modules": js})
}

// upload stores each content as a commit whose id derives from the
// module and the B5 digest: the same files pushed again are the same
// commit (the labels move to it), as the BSR answers an unchanged push.
func (c *call) upload() (*sdk.Response, error) {
	var req uploadRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if len(req.DepCommitIDs) > 0 {
		return nil, fail("invalid_argument", "modules with dependencies are not supported by this registry")
	}
	if len(req.Contents) == 0 || len(req.Contents) > maxRefs {
		return nil, fail("invalid_argument", "between 1 and 250 contents are needed")
	}
	var bin []byte
	var js []any
	for _, content := range req.Contents {
		res, err := c.resolve(content.ModuleRef, false)
		if err != nil {
			return nil, err
		}
		cr, err := c.storeCommit(res.module, content.Files)
		if err != nil {
			return nil, err
		}
		labels := []string{}
		for _, l := range content.ScopedLabelRefs {
			if l.Name == "" || !validName(l.Name) {
				return nil, fail("invalid_argument", "label "+clip(l.Name)+" must be 1-100 letters, digits, '-', '_' or '.'")
			}
			labels = append(labels, l.Name)
		}
		if len(labels) == 0 {
			labels = []string{res.module.DefaultLabel}
		}
		for _, l := range labels {
			rec := labelRec{ID: id("label", res.module.key(), l), Name: l, Commit: cr.ID}
			if err := c.putKV(nsLabels, res.module.key()+"/"+l, rec); err != nil {
				return nil, err
			}
			if err := c.putKV(nsIDs, rec.ID, "label:"+res.module.key()+"/"+l); err != nil {
				return nil, err
			}
		}
		bin = appendBytes(bin, 1, c.commitBin(cr))
		js = append(js, c.commitJSON(cr))
	}
	return c.reply(bin, map[string]any{"commits": js})
}

func (c *call) storeCommit(m *moduleRec, files []protoFile) (*commitRec, error) {
	if len(files) == 0 || len(files) > maxFiles {
		return nil, fail("invalid_argument", "a module upload needs between 1 and 10000 files")
	}
	seen := map[string]bool{}
	for _, f := range files {
		if !validPath(f.Path) {
			return nil, fail("invalid_argument", "file path "+clip(f.Path)+
				" must be a clean relative path of a .proto file, LICENSE or a README/buf.md")
		}
		if seen[f.Path] {
			return nil, fail("invalid_argument", "file path "+clip(f.Path)+" is given twice")
		}
		seen[f.Path] = true
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	digest := b5(files)
	cr := &commitRec{ID: id("commit", m.ID, digest), ModuleID: m.ID, Owner: m.Owner, Module: m.Name, Digest: digest, User: c.req.User}
	if have, err := c.commit(m, cr.ID); err == nil {
		return have, nil
	}
	blob, err := c.h.PutBlob(encodeFiles(nil, 2, files))
	if err != nil {
		return nil, err
	}
	cr.FilesBlob = blob
	meta, err := json.Marshal(cr)
	if err != nil {
		return nil, err
	}
	if err := c.h.StageFile(sdk.StagedFile{Path: "commits/" + m.key() + "/" + cr.ID + ".binpb", BlobDigest: blob,
		ContentType: "application/x-protobuf", Package: m.key(), Version: cr.ID}); err != nil {
		return nil, err
	}
	if err := c.h.StageVersion(sdk.VersionPut{Package: m.key(), Version: cr.ID, Metadata: meta}); err != nil {
		return nil, err
	}
	if err := c.putKV(nsIDs, cr.ID, "commit:"+m.key()+"/"+cr.ID); err != nil {
		return nil, err
	}
	return cr, nil
}

// validPath is a module file the BSR stores: a .proto file, the LICENSE,
// or the documentation file (README.md, README.markdown, buf.md).
func validPath(p string) bool {
	if p == "" || len(p) > 1024 || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || path.Clean(p) != p ||
		p == ".." || strings.HasPrefix(p, "../") {
		return false
	}
	switch p {
	case "LICENSE", "README.md", "README.markdown", "buf.md":
		return true
	}
	return strings.HasSuffix(p, ".proto")
}

// b5 is the B5 digest of a module without dependencies (bufbuild/buf,
// private/bufpkg/bufmodule/digest.go, getB5DigestForBucketAndDepDigests):
// the SHAKE256 (64 bytes) of the string form of the SHAKE256 of the
// manifest, a line "shake256:HEX  PATH\n" per file in path order
// (private/bufpkg/bufcas/manifest.go). files must be sorted.
func b5(files []protoFile) string {
	var manifest strings.Builder
	for _, f := range files {
		manifest.WriteString("shake256:" + shake(f.Content) + "  " + f.Path + "\n")
	}
	return shake([]byte("shake256:" + shake([]byte(manifest.String()))))
}

func shake(b []byte) string { return hex.EncodeToString(sha3.SumSHAKE256(b, 64)) }
