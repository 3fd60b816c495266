//go:build wasip1

package sdk

import "runtime"

//go:wasmimport keeper:format/host@0.2.0 list-repos
func impListRepos(ap P, al uint32, limit uint32, ret P)

//go:wasmimport keeper:format/host@0.2.0 list-repo-packages
func impListRepoPackages(rp P, rl uint32, pp P, pl uint32, ap P, al uint32, limit uint32, ret P)

var _ RepoHost = wasmHost{}

func (wasmHost) ListRepos(after string, limit uint32) ([]string, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	ap, al := strRaw(after)
	impListRepos(ap, al, limit, P(ra))
	if ld8(r) != 0 {
		return nil, errAt(r, 4)
	}
	p, n := ld32(r+4), ld32(r+8)
	out := make([]string, n)
	for i := range n {
		out[i] = ldStr(p + i*8)
	}
	return out, nil
}

func (wasmHost) ListRepoPackages(repo, prefix, after string, limit uint32) ([]PackageInfo, error) {
	mark := len(pins)
	defer done(mark)
	ra, r := newRet()
	defer runtime.KeepAlive(ra)
	rp, rl := strRaw(repo)
	pp, pl := strRaw(prefix)
	ap, al := strRaw(after)
	impListRepoPackages(rp, rl, pp, pl, ap, al, limit, P(ra))
	if ld8(r) != 0 {
		return nil, errAt(r, 4)
	}
	p, n := ld32(r+4), ld32(r+8)
	out := make([]PackageInfo, n)
	for i := range n {
		q := p + i*24
		out[i] = PackageInfo{Name: ldStr(q), CreatedMs: int64(ld64(q + 8)), UpdatedMs: int64(ld64(q + 16))}
	}
	return out, nil
}
