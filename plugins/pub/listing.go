package pub

import (
	"bytes"
	"encoding/json"
	"slices"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// maxVersions bounds the versions one listing reads.
const maxVersions = 20000

// versionMeta is what a published version records: the archive's sha256
// and the pubspec as JSON, rendered into every listing as stored.
type versionMeta struct {
	SHA256  string          `json:"archive_sha256"`
	Pubspec json.RawMessage `json:"pubspec"`
	// Retracted marks a version withdrawn by its publisher (spec: "retracted").
	Retracted bool `json:"retracted,omitempty"`
	// SortKey and LatestKey are stored by upload for the host's sorted
	// listing (assembled.go); neither is rendered.
	SortKey   string `json:"sort_key,omitempty"`
	LatestKey string `json:"latest_key,omitempty"`
}

type published struct {
	version string
	sv      semver.Version
	meta    versionMeta
}

// versionsOf reads the package's versions in precedence order.
func versionsOf(h sdk.Host, name string) ([]published, error) {
	var out []published
	err := sdk.EachVersion(h, name, maxVersions, func(v sdk.VersionInfo) error {
		sv, ok := semver.Parse(v.Version)
		if !ok {
			return nil
		}
		p := published{version: v.Version, sv: sv}
		if m, ok := fastMeta(v.Metadata); ok {
			p.meta = m
		} else if json.Unmarshal(v.Metadata, &p.meta) != nil || len(p.meta.Pubspec) == 0 {
			return nil
		} else {
			var c bytes.Buffer
			if json.Compact(&c, p.meta.Pubspec) != nil {
				return nil
			}
			p.meta.Pubspec = c.Bytes()
		}
		out = append(out, p)
		return nil
	})
	sortPublished(out)
	return out, err
}

// sortPublished orders versions by precedence, ties in their listed
// order (a generic stable sort: sort.SliceStable's reflection costs most of
// it in wasm).
func sortPublished(ps []published) {
	slices.SortStableFunc(ps, func(a, b published) int { return a.sv.Compare(b.sv) })
}

// latest is the newest version that is no pre-release and not retracted,
// else the newest (as pub itself picks it).
func latest(vs []published) published {
	for i := len(vs) - 1; i >= 0; i-- {
		if len(vs[i].sv.Pre) == 0 && !vs[i].meta.Retracted {
			return vs[i]
		}
	}
	return vs[len(vs)-1]
}

// archivePath is where a version's archive is stored and downloaded from
// (the layout the spec suggests for archive_url).
func archivePath(name, version string) string {
	return "packages/" + name + "/versions/" + version + ".tar.gz"
}

// appendVersion appends one version object of the listing; its archive
// URL is url when given, else base/archivePath.
func appendVersion(b []byte, base, name string, p published, url ...string) []byte {
	b = append(b, `{"version":`...)
	b = sdk.AppendJSONString(b, p.version)
	if p.meta.Retracted {
		b = append(b, `,"retracted":true`...)
	}
	b = append(b, `,"archive_url":`...)
	if len(url) > 0 {
		b = sdk.AppendJSONString(b, url[0])
	} else {
		b = sdk.AppendJSONString(b, base+"/"+archivePath(name, p.version))
	}
	b = append(b, `,"archive_sha256":`...)
	b = sdk.AppendJSONString(b, p.meta.SHA256)
	b = append(b, `,"pubspec":`...)
	b = append(b, p.meta.Pubspec...)
	return append(b, '}')
}

// listing answers GET api/packages/NAME: assembled by the host when the
// versions are stored as upload stores them, else rendered.
func listing(h sdk.Host, req *sdk.Request, name string) (*sdk.Response, error) {
	if r := assembledListing(h, req.Repo.BaseURL, name); r != nil {
		return r, nil
	}
	return renderLocal(h, req, name)
}

// renderLocal writes the listing from the versions' metadata.
func renderLocal(h sdk.Host, req *sdk.Request, name string) (*sdk.Response, error) {
	vs, err := versionsOf(h, name)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return pubError(404, "NotFound", "package "+name+" was not found"), nil
	}
	base := req.Repo.BaseURL
	b := []byte(`{"name":`)
	b = sdk.AppendJSONString(b, name)
	b = append(b, `,"isDiscontinued":false,"latest":`...)
	b = appendVersion(b, base, name, latest(vs))
	b = append(b, `,"versions":[`...)
	for i, p := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendVersion(b, base, name, p)
	}
	return jsonResponse(200, append(b, "]}"...)), nil
}

// versionPage answers GET api/packages/NAME/versions/VERSION.
func versionPage(h sdk.Host, req *sdk.Request, name, version string) (*sdk.Response, error) {
	vs, err := versionsOf(h, name)
	if err != nil {
		return nil, err
	}
	for _, p := range vs {
		if p.version == version {
			return jsonResponse(200, appendVersion(nil, req.Repo.BaseURL, name, p)), nil
		}
	}
	return pubError(404, "NotFound", "version "+clip(version)+" of package "+name+" was not found"), nil
}

// fastMeta reads metadata in the exact shape upload writes it,
// {"archive_sha256":"<64 hex>","pubspec":{…}} (and since the sorted
// listing ,"sort_key":"…","latest_key":"…" before the last brace: keys
// holding no '"' or '\\'), without a JSON decoder (the
// guest's encoding/json costs most of a listing's render); any other shape
// (a store that reformats JSON) is decoded in full by the caller.
func fastMeta(b []byte) (versionMeta, bool) {
	const head, mid = `{"archive_sha256":"`, `","pubspec":`
	n := len(head) + 64 + len(mid)
	if len(b) < n+3 || string(b[:len(head)]) != head || string(b[len(head)+64:n]) != mid || b[n] != '{' || b[len(b)-1] != '}' {
		return versionMeta{}, false
	}
	spec := cutKeys(b)
	if len(spec) <= n || spec[len(spec)-1] != '}' {
		return versionMeta{}, false
	}
	sha := b[len(head) : len(head)+64]
	for _, c := range sha {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return versionMeta{}, false
		}
	}
	return versionMeta{SHA256: string(sha), Pubspec: json.RawMessage(spec[n:])}, true
}

// cutKeys returns metadata b up to its last brace, without the sort_key
// and latest_key members upload appends.
func cutKeys(b []byte) []byte {
	end := len(b) - 1
	for _, name := range []string{`,"latest_key":"`, `,"sort_key":"`} {
		if end < 1 || b[end-1] != '"' {
			return b[:len(b)-1]
		}
		q := bytes.LastIndexByte(b[:end-1], '"')
		if q < 0 || !bytes.HasSuffix(b[:q+1], []byte(name)) || bytes.IndexByte(b[q+1:end-1], '\\') >= 0 {
			return b[:len(b)-1]
		}
		end = q + 1 - len(name)
	}
	return b[:end]
}
