package debian

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials are the carriers clients use on the mount: curl/dput-style
// Basic or an API token as the password or bearer.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "apt", Target: "/etc/apt/sources.list.d/keeper.sources",
		Text: "Types: deb\nURIs: {repo-url}\nSuites: stable\nComponents: main\nSigned-By: /etc/apt/keyrings/keeper-{repo}.asc\n"},
	{Kind: sdk.SetupClient, Client: "curl", Text: "curl -fsSL {repo-url}/gpg-key.asc -o /etc/apt/keyrings/keeper-{repo}.asc"},
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -u {user}:{token} --upload-file PACKAGE.deb '{repo-url}/upload?distribution=stable&component=main' -X POST"},
	{Kind: sdk.SetupConsume, Client: "apt", Text: "apt-get update && apt-get install NAME"},
}
