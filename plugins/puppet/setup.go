package puppet

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: puppet sends its forge_authorization setting as the whole
// Authorization value ("Bearer <token>"); the Forge API documents Bearer
// for publishing; Basic for curl.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "puppet", Target: "puppet.conf",
		Text: "[main]\nmodule_repository = {repo-url}\nforge_authorization = Bearer {token}\n"},
	{Kind: sdk.SetupPublish, Client: "curl",
		Text: "curl -H 'Authorization: Bearer {token}' -F file=@OWNER-NAME-VERSION.tar.gz {repo-url}/v3/releases"},
	{Kind: sdk.SetupConsume, Client: "puppet",
		Text: "puppet module install --module_repository {repo-url} --forge_authorization 'Bearer {token}' OWNER-NAME"},
}
