package generic

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials are the carriers clients use on the mount (see sdk.Credentials).
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -H \"Authorization: Bearer {token}\" -T FILE {repo-url}/PATH/FILE"},
	{Kind: sdk.SetupConsume, Client: "curl", Text: "curl -H \"Authorization: Bearer {token}\" -O {repo-url}/PATH/FILE"},
}
