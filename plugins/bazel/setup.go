package bazel

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: Bazel sends a token as --remote_header=Authorization=Bearer
// (remote cache) or Basic credentials from .netrc (registry, archives).
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupConsume, Client: "bazel", Target: ".bazelrc", Text: "common --registry={repo-url}\n"},
	{Kind: sdk.SetupClient, Client: "bazel", Target: ".bazelrc", Text: "build --remote_cache={repo-url}\nbuild --remote_header=Authorization=Bearer {token}\n"},
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -H 'Authorization: Bearer {token}' -T NAME-VERSION.tar.gz {repo-url}/modules/NAME/VERSION/archive"},
}
