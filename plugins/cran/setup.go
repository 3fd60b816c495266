package cran

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials are the carriers clients use on the mount (see sdk.Credentials):
// R's download.file sends Basic credentials from the URL's userinfo.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupPublish, Client: "curl", Text: "R CMD build NAME && curl -u admin:{token} -T NAME_VERSION.tar.gz {repo-url}/src/contrib/"},
	{Kind: sdk.SetupClient, Client: "R", Target: ".Rprofile", Text: "options(repos = c(keeper = \"{repo-url}\"))\n"},
	{Kind: sdk.SetupConsume, Client: "R", Text: "Rscript -e 'install.packages(\"NAME\", repos = \"{repo-url}\", type = \"source\")'"},
}
