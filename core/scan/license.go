package scan

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// MergeLicenses joins the licenses several scanners report: one entry per
// package and license (case kept from the first report), sorted.
func MergeLicenses(reports []ports.ScanReport) []ports.PackageLicense {
	out := []ports.PackageLicense{}
	seen := map[string]bool{}
	for _, r := range reports {
		for _, l := range r.Licenses {
			k := strings.ToLower(l.Package) + "\x00" + strings.ToLower(l.License)
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b ports.PackageLicense) int {
		if c := strings.Compare(a.Package, b.Package); c != 0 {
			return c
		}
		return strings.Compare(a.License, b.License)
	})
	return out
}

// spdxID is the shape of an SPDX license identifier or LicenseRef
// (https://spdx.github.io/spdx-spec/v2.3/SPDX-license-expressions/).
var spdxID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$`)

// maxDenied bounds a policy's license deny list.
const maxDenied = 200

// ValidLicenses checks a deny list and returns it cleaned (trimmed,
// duplicates dropped, in the given order).
func ValidLicenses(ids []string) ([]string, error) {
	if len(ids) > maxDenied {
		return nil, ports.Invalidf("deny_licenses", "at most %d licenses", maxDenied)
	}
	out := []string{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if !spdxID.MatchString(id) {
			return nil, ports.Invalidf("deny_licenses", "%q is not an SPDX license identifier", id)
		}
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, id) }) {
			out = append(out, id)
		}
	}
	return out, nil
}

// deniedLicense is the first license of the artifact the deny list
// names, nil when none. A declared expression ("MIT OR GPL-3.0-only") is
// denied when any id in it is.
func deniedLicense(deny []string, licenses []ports.PackageLicense) (*ports.PackageLicense, string) {
	if len(deny) == 0 {
		return nil, ""
	}
	for i, l := range licenses {
		for _, id := range strings.FieldsFunc(l.License, func(r rune) bool {
			return r == ' ' || r == '(' || r == ')' || r == ','
		}) {
			for _, d := range deny {
				if strings.EqualFold(id, d) {
					return &licenses[i], d
				}
			}
		}
	}
	return nil, ""
}

// licenseReason is what the client reads when a license is denied.
func licenseReason(l *ports.PackageLicense, id string) string {
	return fmt.Sprintf("blocked by license policy: %s in %s", id, l.Package)
}
