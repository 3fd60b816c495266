package pypi

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials are the carriers clients use on the mount (see sdk.Credentials).
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "pip", Target: "pip.conf", Text: "[global]\nindex-url = {repo-url}/simple/\n"},
	{Kind: sdk.SetupPublish, Client: "twine", Text: "twine upload --repository-url {repo-url}/ -u __token__ -p {token} dist/*"},
	{Kind: sdk.SetupConsume, Client: "pip", Text: "pip install --index-url {repo-url}/simple/ NAME"},
}
