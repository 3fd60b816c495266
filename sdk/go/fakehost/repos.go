package fakehost

import (
	"fmt"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.RepoHost = (*Host)(nil)

// ListRepos lists the keys of Readable after `after`, at most limit.
func (h *Host) ListRepos(after string, limit uint32) ([]string, error) {
	var out []string
	for k := range h.Readable {
		if k > after {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	if limit > 0 && len(out) > int(limit) {
		out = out[:limit]
	}
	return out, nil
}

// ListRepoPackages lists Readable[repo]'s package names starting with
// prefix, after `after`, at most limit; an error for other repositories.
func (h *Host) ListRepoPackages(repo, prefix, after string, limit uint32) ([]sdk.PackageInfo, error) {
	names, ok := h.Readable[repo]
	if !ok {
		return nil, fmt.Errorf("list packages of %s: repository not found", repo)
	}
	names = append([]string(nil), names...)
	sort.Strings(names)
	var out []sdk.PackageInfo
	for _, n := range names {
		if strings.HasPrefix(n, prefix) && n > after {
			out = append(out, sdk.PackageInfo{Name: n})
		}
	}
	if limit > 0 && len(out) > int(limit) {
		out = out[:limit]
	}
	return out, nil
}
