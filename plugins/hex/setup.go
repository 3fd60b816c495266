package hex

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: hex clients send the API key as the whole Authorization
// value (a bare token), which Bearer covers.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "rebar3", Target: "~/.config/rebar3/rebar.config",
		Text: "{hex, [{repos, replace, [#{name => <<\"{repo}\">>,\n  repo_url => <<\"{repo-url}\">>,\n  repo_public_key => <<\"PEM from {repo-url}/public_key\">>,\n  repo_key => <<\"{token}\">>}]}]}.\n"},
	{Kind: sdk.SetupPublish, Client: "curl",
		Text: "curl -H 'Authorization: {token}' -H 'Content-Type: application/octet-stream' --data-binary @NAME-VERSION.tar {repo-url}/api/publish"},
	{Kind: sdk.SetupConsume, Client: "rebar3", Target: "rebar.config", Text: "{deps, [{NAME, \"VERSION\"}]}.\n"},
}
