package swift

import sdk "github.com/keeper-registry/keeper/sdk/go"

// SetPageSize sets the releases per page of §4.1 and returns the old value.
func SetPageSize(n int) int { old := pageSize; pageSize = n; return old }

// ReleasesBothWays answers §4.1 for scope.name from the listing
// (listed, nil when it declines) and from the records (read).
func ReleasesBothWays(h sdk.Host, req *sdk.Request, scope, name string) (listed, read *sdk.Response, err error) {
	return releasesBothWays(h, req, scope, name, listedReleases)
}

// SortedReleasesBothWays answers §4.1 for scope.name with the page the
// host writes (sorted.go; sorted nil when it declines) and from the
// records (read).
func SortedReleasesBothWays(h sdk.Host, req *sdk.Request, scope, name string) (sorted, read *sdk.Response, err error) {
	id := identity{scope, name}
	rs, err := readReleases(h, id, false)
	if err != nil {
		return nil, nil, err
	}
	if read, err = renderReleases(req, id, rs); err != nil {
		return nil, nil, err
	}
	sorted, _ = sortedReleases(h, req, id)
	return sorted, read, nil
}

func releasesBothWays(h sdk.Host, req *sdk.Request, scope, name string,
	list func(sdk.Host, identity) ([]release, bool)) (listed, read *sdk.Response, err error) {
	id := identity{scope, name}
	rs, err := readReleases(h, id, false)
	if err != nil {
		return nil, nil, err
	}
	if read, err = renderReleases(req, id, rs); err != nil {
		return nil, nil, err
	}
	if ls, ok := list(h, id); ok {
		listed, err = renderReleases(req, id, ls)
	}
	return listed, read, err
}
