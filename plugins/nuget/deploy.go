package nuget

import (
	"fmt"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// deploy takes a .nupkg PUT at its path (ID.VERSION.nupkg, at the root or
// in a folder named after the id, as Artifactory's NuGet repositories keep
// them: https://jfrog.com/help/r/jfrog-artifactory-documentation/nuget-repositories),
// as an import from it sends: checked and indexed exactly as a push, its
// .nuspec's id and version must be the path's.
func deploy(h sdk.Host, req *sdk.Request, p string) (*sdk.Response, error) {
	if req.User == "" {
		return jsonError(401, "deploying a package requires a logged-in user"), nil
	}
	segs := strings.Split(p, "/")
	file := segs[len(segs)-1]
	if !strings.HasSuffix(strings.ToLower(file), ".nupkg") || len(segs) > 2 {
		return jsonError(400, "deploy a package at ID.VERSION.nupkg or ID/ID.VERSION.nupkg"), nil
	}
	return publishPackage(h, req, func(m *Manifest) string {
		want := m.ID + "." + m.Version + ".nupkg"
		if len(segs) == 2 && !strings.EqualFold(segs[0], m.ID) {
			return fmt.Sprintf("the package is %s, not %s as the path's folder says", m.ID, segs[0])
		}
		if !strings.EqualFold(file, want) && !sameFile(file, m) {
			return fmt.Sprintf("the package is %s %s: its file is %s, not %s", m.ID, m.Version, want, file)
		}
		return ""
	})
}

// sameFile accepts a file name whose version is written unnormalized
// (1.0.0.0 for 1.0.0).
func sameFile(file string, m *Manifest) bool {
	prefix := strings.ToLower(m.ID) + "."
	lower := strings.ToLower(file)
	if !strings.HasPrefix(lower, prefix) {
		return false
	}
	v, ok := NormalizeVersion(file[len(prefix) : len(file)-len(".nupkg")])
	mv, _ := NormalizeVersion(m.Version)
	return ok && strings.EqualFold(v, mv)
}
