package openvsx

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: ovsx sends OVSX_USERNAME/OVSX_PASSWORD as Basic on every
// request (its personal access token travels as ?token=, which the host
// does not read as a credential: the plugin ignores it); Bearer for curl.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "ovsx",
		Text: "export OVSX_REGISTRY_URL={repo-url} OVSX_USERNAME={user} OVSX_PASSWORD={token} OVSX_PAT={token}"},
	{Kind: sdk.SetupPublish, Client: "ovsx", Text: "ovsx create-namespace PUBLISHER\novsx publish PUBLISHER.NAME-VERSION.vsix"},
	{Kind: sdk.SetupConsume, Client: "ovsx", Text: "ovsx get PUBLISHER.NAME"},
}
