package vagrant

import (
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// organization answers user/ORG: the organisation with every box it holds
// (an organisation is only a name prefix here, so an empty one is listed
// too: `vagrant cloud publish` creates its first box in it).
func (c *cloudCall) organization(org string) (*sdk.Response, error) {
	if !nameRe.MatchString(org) || apiRoots[org] {
		return fail(404, "no organization named "+quote(org)), nil
	}
	names := map[string]bool{}
	err := sdk.EachKV(c.h, cloudNS, "box:"+org+"/", maxOrgBoxes, func(e sdk.KVEntry) error {
		names[strings.TrimPrefix(e.Key, "box:")] = true
		return nil
	})
	if err == nil {
		err = sdk.EachPackage(c.h, org+"/", maxOrgBoxes, func(p sdk.PackageInfo) error {
			names[p.Name] = true
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	boxes := []map[string]any{}
	for _, pkg := range sortedKeys(names) {
		st, ok, err := c.state(pkg)
		if err != nil {
			return nil, err
		}
		if ok {
			boxes = append(boxes, c.boxJSON(pkg, st))
		}
	}
	return jsonResponse(200, map[string]any{"username": org, "boxes": boxes}, 0), nil
}

type boxIn struct {
	Username         string  `json:"username"`
	Name             string  `json:"name"`
	ShortDescription *string `json:"short_description"`
	Description      *string `json:"description"`
	IsPrivate        *bool   `json:"is_private"`
}

// readBox reads a box's fields: the gem sends them flat, the API reference
// nests them under "box"; both are read.
func (c *cloudCall) readBox() (boxIn, *sdk.Response) {
	var in struct {
		boxIn
		Box *boxIn `json:"box"`
	}
	if r := c.readJSON(&in); r != nil {
		return boxIn{}, r
	}
	if in.Box != nil {
		return *in.Box, nil
	}
	return in.boxIn, nil
}

// createBox answers POST boxes.
func (c *cloudCall) createBox() (*sdk.Response, error) {
	b, r := c.readBox()
	if r != nil {
		return r, nil
	}
	if !nameRe.MatchString(b.Username) || !nameRe.MatchString(b.Name) || apiRoots[b.Username] {
		return fail(422, "invalid box name "+quote(b.Username+"/"+b.Name)+": use letters, digits, '.', '_' or '-'"), nil
	}
	pkg := b.Username + "/" + b.Name
	st, ok, err := c.state(pkg)
	if err != nil {
		return nil, err
	}
	if ok {
		return fail(422, "box "+quote(pkg)+" already exists"), nil
	}
	st.rec = &boxRecord{CreatedAt: c.now}
	return c.saveBox(pkg, st, b)
}

func (c *cloudCall) updateBox(pkg string) (*sdk.Response, error) {
	st, ok, err := c.state(pkg)
	if err != nil {
		return nil, err
	}
	if !ok {
		return fail(404, "no box named "+quote(pkg)), nil
	}
	b, r := c.readBox()
	if r != nil {
		return r, nil
	}
	if st.rec == nil {
		st.rec = &boxRecord{CreatedAt: c.boxJSON(pkg, st)["created_at"].(string)}
	}
	return c.saveBox(pkg, st, b)
}

// saveBox stores the box's record and answers it. Staged writes are not
// read back in the same call, so the answer is rendered from st.
func (c *cloudCall) saveBox(pkg string, st *boxState, in boxIn) (*sdk.Response, error) {
	rec := st.rec
	if in.ShortDescription != nil {
		rec.ShortDescription = *in.ShortDescription
	}
	if in.IsPrivate != nil {
		rec.Private = *in.IsPrivate
	}
	if in.Description != nil {
		if len(*in.Description) > maxDescription {
			return fail(422, "the description is longer than 64 KiB"), nil
		}
		if err := c.h.KVPut(boxNS, pkg, []byte(*in.Description)); err != nil {
			return nil, err
		}
		st.desc = *in.Description
	}
	rec.UpdatedAt = c.now
	if err := c.put("box:"+pkg, rec); err != nil {
		return nil, err
	}
	return jsonResponse(200, c.boxJSON(pkg, st), 0), nil
}

func (c *cloudCall) showBox(pkg string) (*sdk.Response, error) {
	st, ok, err := c.state(pkg)
	if err != nil {
		return nil, err
	}
	if !ok {
		return fail(404, "no box named "+quote(pkg)), nil
	}
	return jsonResponse(200, c.boxJSON(pkg, st), 0), nil
}

// createVersion answers POST box/ORG/BOX/versions: a new, unreleased
// version (`vagrant box add` sees it once it is released).
func (c *cloudCall) createVersion(pkg string) (*sdk.Response, error) {
	st, ok, err := c.state(pkg)
	if err != nil {
		return nil, err
	}
	if !ok {
		return fail(404, "no box named "+quote(pkg)), nil
	}
	var in struct {
		Version struct {
			Version     string `json:"version"`
			Description string `json:"description"`
		} `json:"version"`
	}
	if r := c.readJSON(&in); r != nil {
		return r, nil
	}
	org, name, _ := strings.Cut(pkg, "/")
	b := box{org: org, name: name, version: in.Version.Version, provider: "x"}
	if msg := b.invalid(); msg != "" {
		return fail(422, msg), nil
	}
	if st.versions[b.version] != nil {
		return fail(422, "version "+b.version+" of "+pkg+" already exists"), nil
	}
	return c.saveVersion(b, versionRecord{Status: "unreleased", Description: in.Version.Description, CreatedAt: c.now})
}

func (c *cloudCall) versionRecord(b box) (versionRecord, bool, error) {
	st, ok, err := c.state(b.pkg())
	if err != nil || !ok || st.versions[b.version] == nil {
		return versionRecord{}, false, err
	}
	return st.versions[b.version].rec, true, nil
}

func (c *cloudCall) saveVersion(b box, v versionRecord) (*sdk.Response, error) {
	v.UpdatedAt = c.now
	if err := c.put("version:"+b.pkg()+"/"+b.version, v); err != nil {
		return nil, err
	}
	return c.versionResponse(b, v)
}

func (c *cloudCall) versionResponse(b box, v versionRecord) (*sdk.Response, error) {
	st, _, err := c.state(b.pkg())
	if err != nil {
		return nil, err
	}
	vs := st.versions[b.version]
	if vs == nil {
		vs = &versionState{providers: map[string]providerState{}}
	}
	vs.rec = v
	return jsonResponse(200, c.versionJSON(b, vs), 0), nil
}

func (c *cloudCall) providerRecord(b box) (providerState, bool, error) {
	st, ok, err := c.state(b.pkg())
	if err != nil || !ok || st.versions[b.version] == nil {
		return providerState{}, false, err
	}
	ps, found := st.versions[b.version].providers[b.provider]
	return ps, found, nil
}

// putProvider declares (create) or updates a provider of a version. An
// external url is kept and listed; a hosted box is uploaded to upload_path.
func (c *cloudCall) putProvider(b box, in providerIn, create bool) (*sdk.Response, error) {
	if msg := b.invalid(); msg != "" {
		return fail(422, msg), nil
	}
	ps, found, err := c.providerRecord(b)
	if err != nil {
		return nil, err
	}
	if create && found {
		return fail(422, "provider "+b.provider+" of "+b.pkg()+" "+b.version+" already exists"), nil
	}
	if create {
		ps.rec.CreatedAt = c.now
	}
	if in.URL != nil {
		if *in.URL != "" && !strings.HasPrefix(*in.URL, "https://") && !strings.HasPrefix(*in.URL, "http://") {
			return fail(422, "url must be an http or https URL"), nil
		}
		ps.rec.URL = *in.URL
	}
	if in.Checksum != nil {
		ps.rec.Checksum = *in.Checksum
	}
	if in.ChecksumType != nil {
		switch *in.ChecksumType {
		case "", "md5", "sha1", "sha256", "sha384", "sha512":
			ps.rec.ChecksumType = *in.ChecksumType
		default:
			return fail(422, "checksum_type must be md5, sha1, sha256, sha384 or sha512"), nil
		}
	}
	ps.rec.UpdatedAt = c.now
	if err := c.put("provider:"+b.pkg()+"/"+b.version+"/"+b.provider, ps.rec); err != nil {
		return nil, err
	}
	return jsonResponse(200, c.providerJSON(b, ps), 0), nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
