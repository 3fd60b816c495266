package vagrant

import (
	"encoding/json"
	"strings"
	"time"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Limits of the API's records.
const (
	maxAPIBody     = 64 << 10
	maxOrgBoxes    = 10_000
	maxBoxVersions = 10_000
)

// boxState is what the API knows of one box: its record (nil for a box
// only uploaded by path) and its versions, each with its providers.
type boxState struct {
	rec      *boxRecord
	desc     string
	versions map[string]*versionState
}

type versionState struct {
	rec       versionRecord
	providers map[string]providerState
}

type providerState struct {
	rec  providerRecord
	file *sdk.File // nil until the box file is uploaded
}

// state loads ORG/BOX; ok is false when nothing of it exists.
func (c *cloudCall) state(pkg string) (*boxState, bool, error) {
	st := &boxState{versions: map[string]*versionState{}}
	if raw, found, err := c.h.KVGet(cloudNS, "box:"+pkg); err != nil {
		return nil, false, err
	} else if found {
		st.rec = &boxRecord{}
		_ = json.Unmarshal(raw, st.rec)
	}
	desc, _, err := c.h.KVGet(boxNS, pkg)
	if err != nil {
		return nil, false, err
	}
	st.desc = string(desc)
	ver := func(v string) *versionState {
		if st.versions[v] == nil {
			// A version uploaded by path has no record: it is live.
			st.versions[v] = &versionState{rec: versionRecord{Status: "active"}, providers: map[string]providerState{}}
		}
		return st.versions[v]
	}
	err = sdk.EachKV(c.h, cloudNS, "version:"+pkg+"/", maxBoxVersions, func(e sdk.KVEntry) error {
		vs := ver(strings.TrimPrefix(e.Key, "version:"+pkg+"/"))
		_ = json.Unmarshal(e.Value, &vs.rec)
		return nil
	})
	if err == nil {
		err = sdk.EachKV(c.h, cloudNS, "provider:"+pkg+"/", maxBoxVersions, func(e sdk.KVEntry) error {
			v, p, _ := strings.Cut(strings.TrimPrefix(e.Key, "provider:"+pkg+"/"), "/")
			var pr providerRecord
			_ = json.Unmarshal(e.Value, &pr)
			ver(v).providers[p] = providerState{rec: pr}
			return nil
		})
	}
	if err == nil {
		err = sdk.EachFile(c.h, pkg+"/", pkg, maxBoxFiles, func(f sdk.File) error {
			p := strings.TrimSuffix(f.Path[strings.LastIndex(f.Path, "/")+1:], ".box")
			vs := ver(f.Version)
			ps := vs.providers[p]
			ps.file = &f
			if ps.rec.CreatedAt == "" {
				ps.rec.CreatedAt = time.UnixMilli(f.CreatedMs).UTC().Format(time.RFC3339)
			}
			vs.providers[p] = ps
			if vs.rec.CreatedAt == "" {
				vs.rec.CreatedAt = ps.rec.CreatedAt
			}
			return nil
		})
	}
	if err != nil {
		return nil, false, err
	}
	return st, st.rec != nil || len(st.versions) > 0, nil
}

// boxJSON renders a box as the API does, versions newest first.
func (c *cloudCall) boxJSON(pkg string, st *boxState) map[string]any {
	org, name, _ := strings.Cut(pkg, "/")
	rec := boxRecord{CreatedAt: c.now}
	if st.rec != nil {
		rec = *st.rec
	} else if vs := st.sortedVersions(); len(vs) > 0 {
		rec.CreatedAt = st.versions[vs[len(vs)-1]].rec.CreatedAt
	}
	out := map[string]any{"tag": pkg, "name": name, "username": org, "short_description": rec.ShortDescription,
		"description": st.desc, "description_markdown": st.desc, "private": rec.Private,
		"created_at": rec.CreatedAt, "updated_at": rec.UpdatedAt}
	versions := []map[string]any{}
	for _, v := range st.sortedVersions() {
		versions = append(versions, c.versionJSON(box{org: org, name: name, version: v}, st.versions[v]))
	}
	out["versions"] = versions
	if len(versions) > 0 {
		out["current_version"] = versions[0]
	}
	return out
}

func (st *boxState) sortedVersions() []string {
	vs := make([]version, 0, len(st.versions))
	for v := range st.versions {
		vs = append(vs, version{Version: v})
	}
	sortVersions(vs)
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Version
	}
	return out
}

func (c *cloudCall) versionJSON(b box, vs *versionState) map[string]any {
	providers := []map[string]any{}
	for _, p := range sortedKeys(vs.providers) {
		b.provider = p
		providers = append(providers, c.providerJSON(b, vs.providers[p]))
	}
	return map[string]any{"version": b.version, "number": b.version, "status": vs.rec.Status,
		"description": vs.rec.Description, "description_markdown": vs.rec.Description,
		"created_at": vs.rec.CreatedAt, "updated_at": vs.rec.UpdatedAt, "providers": providers}
}

func (c *cloudCall) providerJSON(b box, ps providerState) map[string]any {
	out := map[string]any{"name": b.provider, "hosted": ps.file != nil, "created_at": ps.rec.CreatedAt,
		"updated_at": ps.rec.UpdatedAt, "url": ps.rec.URL, "original_url": ps.rec.URL,
		"checksum": ps.rec.Checksum, "checksum_type": ps.rec.ChecksumType, "download_url": ps.rec.URL}
	if ps.file != nil {
		u := c.req.Repo.BaseURL + "/" + b.path()
		out["download_url"], out["checksum"], out["checksum_type"] = u, ps.file.SHA256, "sha256"
	}
	return out
}

// readJSON decodes the request body into v, or answers 400.
func (c *cloudCall) readJSON(v any) *sdk.Response {
	if c.req.Body == nil || c.req.Body.Size == 0 || c.req.Body.Size > maxAPIBody {
		return fail(400, "send a JSON body of at most 64 KiB")
	}
	raw, err := c.h.ReadBlob(c.req.Body.Digest, 0, uint32(c.req.Body.Size))
	if err != nil {
		return fail(400, "unreadable body")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fail(400, "invalid JSON: "+err.Error())
	}
	return nil
}

func (c *cloudCall) put(key string, v any) error {
	raw, _ := json.Marshal(v)
	return c.h.KVPut(cloudNS, key, raw)
}
