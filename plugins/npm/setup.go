package npm

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials are the carriers clients use on the mount (see sdk.Credentials).
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "npm", Text: "npm config set registry {repo-url}/ && npm login --registry {repo-url}/"},
	{Kind: sdk.SetupPublish, Client: "npm", Text: "npm publish --registry {repo-url}/"},
	{Kind: sdk.SetupConsume, Client: "npm", Text: "npm install NAME --registry {repo-url}/"},
}
