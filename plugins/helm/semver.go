package helm

import "github.com/keeper-registry/keeper/sdk/go/semver"

// version is a chart version: strict SemVer 2.0.0 (https://semver.org), the
// syntax Helm requires of a chart
// (https://helm.sh/docs/topics/charts/#charts-and-versioning).
type version struct{ semver.Version }

// parseSemver parses a chart version of at most MaxVersionLen bytes.
func parseSemver(s string) (version, bool) {
	if len(s) > MaxVersionLen {
		return version{}, false
	}
	v, ok := semver.Parse(s)
	return version{v}, ok
}

// compare orders versions by SemVer precedence, build metadata breaking ties.
func (a version) compare(b version) int { return a.Version.Compare(b.Version) }
