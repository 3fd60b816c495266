package rubygems

import (
	"path"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// deploy takes a .gem PUT at its path (gems/NAME-VERSION.gem in
// Artifactory's RubyGems layout,
// https://jfrog.com/help/r/jfrog-artifactory-documentation/rubygems-repositories),
// as an import from it sends: checked and indexed exactly as a push, its
// gemspec's full name must be the file's. The source's own indexes
// (specs.4.8.gz, quick/…gemspec.rz) are refused with 409: this repository
// renders its own.
func deploy(h sdk.Host, req *sdk.Request, p string) (*sdk.Response, error) {
	if req.User == "" {
		return plain(401, "deploying a gem requires a logged-in user\n"), nil
	}
	file := path.Base(p)
	switch {
	case strings.HasSuffix(file, ".gem"):
		return pushGem(h, req, file)
	case strings.HasSuffix(file, "specs.4.8.gz") || strings.HasSuffix(file, "specs.4.8") ||
		strings.HasPrefix(p, "quick/") || p == "versions" || p == "names" || strings.HasPrefix(p, "info/"):
		return plain(409, p+" is rendered by this repository from its gems\n"), nil
	}
	return plain(400, "only .gem files can be deployed\n"), nil
}
