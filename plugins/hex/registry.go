package hex

import (
	"bytes"
	"sort"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// Bounds of one registry resource.
const (
	maxPackages = 100_000
	maxReleases = 10_000
)

// resource signs payload with the repository's RSA key (PKCS#1 v1.5 over
// SHA-512, as hex_core verifies), wraps it in Signed and gzips it (by the
// host, into a blob the response streams).
// https://github.com/hexpm/specifications/blob/main/registry-v2.md#signing
func resource(h sdk.Host, payload []byte) (*sdk.Response, error) {
	sig, err := sdk.Sign(h, sdk.SignRSASHA512, sdk.Source{Bytes: payload})
	if err != nil {
		return nil, sdk.Errorf(409, "the repository cannot sign its registry: %v", err)
	}
	gz, err := sdk.Compress(h, sdk.Gzip, sdk.Source{Bytes: signed(payload, sig)})
	if err != nil {
		return nil, err
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyServeBlob, Target: gz.Digest, CacheTTLMs: 60_000,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/octet-stream"}}}, nil
}

// releases reads a package's releases in SemVer order (a stable sort, so
// versions of equal precedence keep the listing's order): sorted by the
// host on their sort keys when every release has one (sorted.go).
func releases(h sdk.Host, name string) ([]release, error) {
	var rels []release
	var keys []semver.Version
	sorted := false
	add := func(meta []byte) {
		var r release
		if decodeRelease(meta, &r) == nil && r.InnerChecksum != "" {
			rels = append(rels, r)
			if !sorted {
				k, _ := semver.Parse(r.Version)
				keys = append(keys, k)
			}
		}
	}
	text, ok := sortedReleaseLines(h, name)
	if ok {
		sorted = true
	} else {
		text, ok = releaseLines(h, name)
	}
	if ok {
		for len(text) > 0 {
			n := bytes.IndexByte(text, '\n')
			add(text[:n])
			text = text[n+1:]
		}
	} else if err := sdk.EachVersion(h, name, maxReleases, func(v sdk.VersionInfo) error {
		add(v.Metadata)
		return nil
	}); err != nil {
		return nil, err
	}
	if !sorted {
		sort.Stable(bySemver{rels, keys})
	}
	return rels, nil
}

// releaseLines returns the stored metadata of every version of name, one
// a line, in the listing's order, written by the host (the assemble import
// with return-text, contract 0.6.0; docs/decisions/0012) so the version
// rows are not lifted into the guest. ok is false when a metadata document
// holds a line break (what publish stores never does) or the host refused
// the template (more than maxReleases versions): releases lists the rows.
func releaseLines(h sdk.Host, name string) ([]byte, bool) {
	a, err := sdk.Assemble(h, sdk.Template{ReturnText: true, Parts: []sdk.Part{{Kind: hostjson.PartLoop}},
		Loops: []sdk.Loop{{Source: hostjson.Versions, Package: name, Limit: maxReleases,
			Items: []hostjson.Item{{Kind: hostjson.ItemMetadata}, {Kind: hostjson.ItemLiteral, Text: []byte("\n")}}}}})
	if err != nil || len(a.Rows) != 1 || bytes.Count(a.Text, []byte("\n")) != int(a.Rows[0]) {
		return nil, false
	}
	return a.Text, true
}

// bySemver sorts releases by their parsed versions (keys[i] is rels[i]'s;
// an invalid version parses as 0.0.0, as it always did here).
type bySemver struct {
	rels []release
	keys []semver.Version
}

func (s bySemver) Len() int           { return len(s.rels) }
func (s bySemver) Less(i, j int) bool { return s.keys[i].Compare(s.keys[j]) < 0 }
func (s bySemver) Swap(i, j int) {
	s.rels[i], s.rels[j] = s.rels[j], s.rels[i]
	s.keys[i], s.keys[j] = s.keys[j], s.keys[i]
}

// packageDoc answers /packages/<name>.
func packageDoc(h sdk.Host, repo, name string) (*sdk.Response, error) {
	rels, err := releases(h, name)
	if err != nil {
		return nil, err
	}
	if len(rels) == 0 {
		return nil, sdk.Errorf(404, "package %s not found", name)
	}
	return resource(h, encodePackage(repo, name, rels))
}

// names answers /names.
func names(h sdk.Host, repo string) (*sdk.Response, error) {
	var out []nameEntry
	err := sdk.EachPackage(h, "", maxPackages, func(p sdk.PackageInfo) error {
		out = append(out, nameEntry{Name: p.Name, UpdatedMs: p.UpdatedMs})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resource(h, encodeNames(repo, out))
}

// versions answers /versions: the versions of up to maxLoops packages a
// call, sorted by the host (sorted.go), or each package's releases read
// as before when that fails.
func versions(h sdk.Host, repo string) (*sdk.Response, error) {
	payload, err := versionsPayload(h, repo)
	if err != nil {
		return nil, err
	}
	return resource(h, payload)
}

// versionsPayload is the unsigned Versions message of /versions.
func versionsPayload(h sdk.Host, repo string) ([]byte, error) {
	var names []string
	err := sdk.EachPackage(h, "", maxPackages, func(p sdk.PackageInfo) error {
		names = append(names, p.Name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []versionsEntry
	for len(names) > 0 {
		chunk := names[:min(len(names), maxLoops)]
		names = names[len(chunk):]
		if vs, ok := sortedVersions(h, chunk); ok {
			for i, name := range chunk {
				if len(vs[i]) > 0 {
					out = append(out, versionsEntry{Name: name, Versions: vs[i]})
				}
			}
			continue
		}
		for _, name := range chunk {
			rels, err := releases(h, name)
			if err != nil {
				return nil, err
			}
			if len(rels) == 0 {
				continue
			}
			e := versionsEntry{Name: name}
			for _, r := range rels {
				e.Versions = append(e.Versions, r.Version)
			}
			out = append(out, e)
		}
	}
	return encodeVersions(repo, out), nil
}

// publicKey answers /public_key: the PEM of the key the resources are signed with.
func publicKey(h sdk.Host) (*sdk.Response, error) {
	k, err := sdk.PublicKey(h, sdk.KeyPKIXPEM)
	if err != nil {
		return nil, sdk.Errorf(404, "the repository has no RSA signing key: %v", err)
	}
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: k.Data, CacheTTLMs: 60_000,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/x-pem-file"}}}, nil
}
