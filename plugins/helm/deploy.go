package helm

import (
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// deploy takes a chart (or its .prov) PUT at any folder of the repository,
// as Artifactory's Helm repositories keep them
// (https://jfrog.com/help/r/jfrog-artifactory-documentation/deploying-helm-charts)
// and as an import from one sends: the chart is checked and stored as a
// PUT to charts/ stores it (its Chart.yaml must give the file name), so
// `helm install` then finds it in index.yaml. The source's own index.yaml
// is refused with 409: this repository renders its own.
func deploy(h sdk.Host, req *sdk.Request, segs []string) (*sdk.Response, error) {
	if req.User == "" {
		return errorJSON(401, "deploying a chart requires a logged-in user"), nil
	}
	file := segs[len(segs)-1]
	switch {
	case file == "index.yaml":
		return errorJSON(409, "index.yaml is rendered by this repository from its charts"), nil
	case strings.HasSuffix(file, ".tgz") || strings.HasSuffix(file, ".tgz.prov"):
		return putFile(h, req, file)
	}
	return errorJSON(400, "only <name>-<version>.tgz charts and their .tgz.prov files can be deployed"), nil
}
