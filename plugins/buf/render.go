package buf

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Module (module.proto): visibility 1 public, 2 private; state 1 active.
func (c *call) visibility() uint64 {
	if c.req.Repo != nil && c.req.Repo.IsPublic {
		return 1
	}
	return 2
}

func (c *call) moduleBin(m *moduleRec) []byte {
	var b []byte
	b = appendString(b, 1, m.ID)
	b = appendString(b, 4, m.Name)
	b = appendString(b, 5, id("owner", m.Owner))
	b = appendVarint(b, 6, c.visibility())
	b = appendVarint(b, 7, 1)
	b = appendString(b, 8, m.Description)
	b = appendString(b, 9, m.URL)
	return appendString(b, 10, m.DefaultLabel)
}

func (c *call) moduleJSON(m *moduleRec) map[string]any {
	vis := "MODULE_VISIBILITY_PRIVATE"
	if c.visibility() == 1 {
		vis = "MODULE_VISIBILITY_PUBLIC"
	}
	return map[string]any{"id": m.ID, "name": m.Name, "ownerId": id("owner", m.Owner), "visibility": vis,
		"state": "MODULE_STATE_ACTIVE", "description": m.Description, "url": m.URL, "defaultLabelName": m.DefaultLabel}
}

// Commit (commit.proto) with its B5 Digest (digest.proto: type 1 = B5).
func (c *call) commitBin(cr *commitRec) []byte {
	var b []byte
	b = appendString(b, 1, cr.ID)
	if cr.CreatedMs > 0 {
		b = appendTimestamp(b, 2, cr.CreatedMs)
	}
	b = appendString(b, 3, id("owner", cr.Owner))
	b = appendString(b, 4, cr.ModuleID)
	raw, _ := hex.DecodeString(cr.Digest)
	b = appendBytes(b, 5, appendBytes(appendVarint(nil, 1, 1), 2, raw))
	return appendString(b, 6, id("user", cr.User))
}

func (c *call) commitJSON(cr *commitRec) map[string]any {
	raw, _ := hex.DecodeString(cr.Digest)
	out := map[string]any{"id": cr.ID, "ownerId": id("owner", cr.Owner), "moduleId": cr.ModuleID,
		"digest":          map[string]any{"type": "DIGEST_TYPE_B5", "value": base64.StdEncoding.EncodeToString(raw)},
		"createdByUserId": id("user", cr.User)}
	if cr.CreatedMs > 0 {
		out["createTime"] = time.UnixMilli(cr.CreatedMs).UTC().Format(time.RFC3339Nano)
	}
	return out
}

// Label (label.proto); commit checks are disabled (status 1).
func (c *call) labelBin(m *moduleRec, l *labelRec) []byte {
	var b []byte
	b = appendString(b, 1, l.ID)
	b = appendString(b, 5, l.Name)
	b = appendString(b, 6, id("owner", m.Owner))
	b = appendString(b, 7, m.ID)
	b = appendString(b, 8, l.Commit)
	return appendBytes(b, 10, appendVarint(nil, 1, 1))
}

func (c *call) labelJSON(m *moduleRec, l *labelRec) map[string]any {
	return map[string]any{"id": l.ID, "name": l.Name, "ownerId": id("owner", m.Owner), "moduleId": m.ID,
		"commitId": l.Commit, "commitCheckState": map[string]any{"status": "COMMIT_CHECK_STATUS_DISABLED"}}
}

// commits resolves the request's refs to their commits: the repeated
// field 1 of commits in binary, and the JSON commits.
func (c *call) commits() ([]byte, []any, error) {
	refs, err := c.refs()
	if err != nil {
		return nil, nil, err
	}
	var bin []byte
	js := []any{}
	for _, r := range refs {
		res, err := c.resolve(r, true)
		if err != nil {
			return nil, nil, err
		}
		bin = appendBytes(bin, 1, c.commitBin(res.commit))
		js = append(js, c.commitJSON(res.commit))
	}
	return bin, js, nil
}

func (c *call) getCommits() (*sdk.Response, error) {
	bin, js, err := c.commits()
	if err != nil {
		return nil, err
	}
	return c.reply(bin, map[string]any{"commits": js})
}

// getGraph: modules here have no dependencies, so the graph is the
// commits themselves without edges.
func (c *call) getGraph() (*sdk.Response, error) {
	graph, js, err := c.commits()
	if err != nil {
		return nil, err
	}
	return c.reply(appendBytes(nil, 1, graph), map[string]any{"graph": map[string]any{"commits": js, "edges": []any{}}})
}

func (c *call) getResources() (*sdk.Response, error) {
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
		switch res.kind {
		case "module":
			bin = appendBytes(bin, 1, appendBytes(nil, 1, c.moduleBin(res.module)))
			js = append(js, map[string]any{"module": c.moduleJSON(res.module)})
		case "label":
			bin = appendBytes(bin, 1, appendBytes(nil, 2, c.labelBin(res.module, res.label)))
			js = append(js, map[string]any{"label": c.labelJSON(res.module, res.label)})
		default:
			bin = appendBytes(bin, 1, appendBytes(nil, 3, c.commitBin(res.commit)))
			js = append(js, map[string]any{"commit": c.commitJSON(res.commit)})
		}
	}
	return c.reply(bin, map[string]any{"resources": js})
}

func (c *call) getLabels() (*sdk.Response, error) {
	refs, err := c.refs()
	if err != nil {
		return nil, err
	}
	var bin []byte
	var js []any
	for _, r := range refs {
		if r.Name != nil && r.Name.Label == "" && r.Name.LabelName == "" && r.ID == "" {
			return nil, fail("invalid_argument", "a label ref needs a label name")
		}
		res, err := c.resolve(r, true)
		if err != nil {
			return nil, err
		}
		bin = appendBytes(bin, 1, c.labelBin(res.module, res.label))
		js = append(js, c.labelJSON(res.module, res.label))
	}
	return c.reply(bin, map[string]any{"labels": js})
}

// download answers each value with its commit and files (only the paths
// asked for, when paths are given).
func (c *call) download() (*sdk.Response, error) {
	vs, err := decodeValues[downloadValue](c)
	if err != nil {
		return nil, err
	}
	var bin []byte
	var js []any
	for _, v := range vs {
		res, err := c.resolve(v.ResourceRef, true)
		if err != nil {
			return nil, err
		}
		raw, err := c.filesRaw(res.commit)
		if err != nil {
			return nil, err
		}
		if len(v.Paths) == 0 && c.binary && canonicalFiles(raw) {
			// The stored files as they are: encodeFiles(decode(raw)) is raw.
			commit := appendBytes(nil, 1, c.commitBin(res.commit))
			bin = appendTag(bin, 1, 2)
			bin = binary.AppendUvarint(bin, uint64(len(commit)+len(raw)))
			bin = append(append(bin, commit...), raw...)
			continue
		}
		files, err := decodeFiles(raw)
		if err != nil {
			return nil, err
		}
		if len(v.Paths) > 0 {
			want := map[string]bool{}
			for _, p := range v.Paths {
				want[p] = true
			}
			var kept []protoFile
			for _, f := range files {
				if want[f.Path] {
					kept = append(kept, f)
					delete(want, f.Path)
				}
			}
			if len(want) > 0 && !v.PathsAllowNotExist {
				return nil, fail("not_found", "a path asked for is not in commit "+res.commit.ID)
			}
			files = kept
		}
		content := encodeFiles(appendBytes(nil, 1, c.commitBin(res.commit)), 2, files)
		bin = appendBytes(bin, 1, content)
		if c.binary {
			continue // the JSON answer (base64 of every file) is for JSON calls only
		}
		jf := []any{}
		for _, f := range files {
			jf = append(jf, map[string]any{"path": f.Path, "content": base64.StdEncoding.EncodeToString(f.Content)})
		}
		js = append(js, map[string]any{"commit": c.commitJSON(res.commit), "files": jf})
	}
	return c.reply(bin, map[string]any{"contents": js})
}

// filesRaw reads a commit's stored files (repeated File at field 2).
func (c *call) filesRaw(cr *commitRec) ([]byte, error) {
	f, err := c.h.GetFile("commits/" + cr.Owner + "/" + cr.Module + "/" + cr.ID + ".binpb")
	if err != nil {
		return nil, err
	}
	if f == nil || f.Size > maxBody {
		return nil, fail("not_found", "the files of commit "+cr.ID+" are missing")
	}
	return readAll(c.h, f.BlobDigest, f.Size)
}

// decodeFiles reads the stored files of a commit.
func decodeFiles(raw []byte) ([]protoFile, error) {
	fs, err := fields(raw)
	if err != nil {
		return nil, err
	}
	var out []protoFile
	for _, x := range fs {
		if x.num == 2 && x.wire == 2 {
			pf, err := decodeFile(x.b)
			if err != nil {
				return nil, err
			}
			out = append(out, pf)
		}
	}
	return out, nil
}
