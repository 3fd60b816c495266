package jetbrains

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: uploads carry a Keeper API token as Bearer (the Marketplace's
// uploadPlugin takes "Authorization: Bearer <token>"); the IDE reads a
// custom repository without credentials, so consume from a public one.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -H 'Authorization: Bearer {token}' -F file=@PLUGIN.zip {repo-url}/plugin/uploadPlugin"},
	{Kind: sdk.SetupConsume, Client: "IntelliJ IDEA", Text: "Settings | Plugins | Manage Plugin Repositories: {repo-url}/updatePlugins.xml"},
}
