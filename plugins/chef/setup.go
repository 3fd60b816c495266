package chef

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: knife signs its requests with the user's RSA key
// (X-Ops-Authorization-*), which Keeper cannot verify, so publishing takes a
// Keeper API token (Bearer, or Basic with the token as the password);
// reads of public repositories need nothing.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -H 'Authorization: Bearer {token}' -F 'cookbook={\"category\":\"Other\"}' -F tarball=@NAME-VERSION.tar.gz {repo-url}/api/v1/cookbooks"},
	{Kind: sdk.SetupConsume, Client: "berkshelf", Target: "Berksfile", Text: "source \"{repo-url}\"\n\ncookbook \"NAME\", \"~> VERSION\"\n"},
	{Kind: sdk.SetupConsume, Client: "knife", Text: "knife supermarket download NAME VERSION --supermarket-site {repo-url}"},
}
