package terraform

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/hostjson"
	"github.com/keeper-registry/keeper/sdk/go/semver"
)

// listedVersions answers provider-versions from one assemble call
// (contract 0.6.0) that returns a provider's version names and, for each
// of its files, version, path and compact protocols member, one a line:
// the guest reads a few bytes a file instead of every file's record
// (listing 800 files into the guest cost more than the rest of the
// document, bench/README.md "Assembled by the host"). done is false when
// a file's metadata is irregular (json-members' rules), a version or path
// is escaped or a listing is longer than the listings' render reads: the
// caller renders it from the listings as before. found is false when no
// version has a package (404).
//
// Since contract 0.7.0 the versions come sorted by the host on the
// sort_key publish stores in each provider version's metadata
// (providerVersionMeta), so the guest parses and sorts none; a provider
// with a version stored before sort_key is listed unsorted and sorted in
// the guest as before.
func listedVersions(h sdk.Host, typ string) (body []byte, found, done bool) {
	if body, found, done = listed(h, typ, true); done {
		return body, found, done
	}
	return listed(h, typ, false)
}

// listed is listedVersions with the versions sorted by the host or not.
func listed(h sdk.Host, typ string, sorted bool) (body []byte, found, done bool) {
	line := []byte("\n")
	tab := hostjson.Item{Kind: hostjson.ItemLiteral, Text: []byte("\t")}
	ver := hostjson.Item{Kind: hostjson.ItemField, Field: hostjson.FieldVersion, Form: hostjson.FormJSONText}
	t := sdk.Template{ReturnText: true,
		Loops: []sdk.Loop{{Source: hostjson.Versions, Package: providerPackage(typ), Separator: line, Items: []hostjson.Item{ver}},
			{Source: hostjson.Files, Package: providerPackage(typ), Prefix: "-/providers/" + typ + "/",
				Separator: line, Members: []string{"protocols"}, MemberForm: sdk.MemberCompact,
				Items: []hostjson.Item{ver, tab, {Kind: hostjson.ItemField, Field: hostjson.FieldPath, Form: hostjson.FormJSONText}, tab,
					{Kind: hostjson.ItemMember}}}},
		Parts: []sdk.Part{{Kind: hostjson.PartLoop, Loop: 0}, {Kind: hostjson.PartLiteral, Text: []byte("\x00")}, {Kind: hostjson.PartLoop, Loop: 1}}}
	if sorted {
		l := &t.Loops[0]
		l.Members, l.MemberForm, l.Sort = []string{"sort_key"}, sdk.MemberText, hostjson.SortAscending
	}
	a, err := sdk.Assemble(h, t)
	if err != nil || a.Irregular > 0 || len(a.Rows) != 2 || a.Rows[0] > maxVersions || a.Rows[1] > maxPlatforms*16 {
		return nil, false, false
	}
	versions, files, _ := strings.Cut(string(a.Text), "\x00")
	var vs []string
	if sorted {
		if versions != "" {
			vs = strings.Split(versions, "\n")
		}
		for i := range vs {
			var ok bool
			if vs[i], ok = unquote(vs[i]); !ok {
				return nil, false, false
			}
		}
	} else {
		var svs []semver.Version
		for _, l := range strings.Split(versions, "\n") {
			if v, ok := unquote(l); ok {
				if sv, ok := semver.Parse(v); ok {
					svs = append(svs, sv)
				}
			}
		}
		sortVersions(svs)
		vs = make([]string, len(svs))
		for i, v := range svs {
			vs[i] = v.String()
		}
	}
	type group struct {
		protocols string
		ps        []platform
	}
	all := map[string]*group{}
	for files != "" {
		var l string
		l, files, _ = strings.Cut(files, "\n")
		qv, l, _ := strings.Cut(l, "\t")
		qp, protocols, _ := strings.Cut(l, "\t")
		v, ok1 := unquote(qv)
		p, ok2 := unquote(qp)
		if !ok1 || !ok2 {
			return nil, false, false
		}
		file := p[strings.LastIndexByte(p, '/')+1:]
		rest, ok := strings.CutPrefix(file, "terraform-provider-"+typ+"_"+v+"_")
		osArch, ok2 := strings.CutSuffix(rest, ".zip")
		goos, arch, ok3 := strings.Cut(osArch, "_")
		if !ok || !ok2 || !ok3 {
			continue
		}
		g := all[v]
		if g == nil {
			g = &group{protocols: protocols}
			all[v] = g
		}
		g.ps = append(g.ps, platform{OS: goos, Arch: arch})
	}
	ps := make(map[string][]platform, len(all))
	protocols := make(map[string][]byte, len(all))
	for v, g := range all {
		ps[v] = g.ps
		protocols[v] = []byte(`{"protocols":` + g.protocols + "}")
	}
	for i := range vs {
		if g := ps[vs[i]]; len(g) > 0 {
			g[0].meta = protocols[vs[i]]
		}
	}
	body, found = appendProviderVersions(nil, vs, ps)
	return body, found, true
}

// unquote returns the text of a JSON string without escapes.
func unquote(q string) (string, bool) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' || strings.IndexByte(q, '\\') >= 0 {
		return "", false
	}
	return q[1 : len(q)-1], true
}
