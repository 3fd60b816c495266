package rubygems

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: gem sends the API key as the whole Authorization value;
// bundler sends Basic credentials from the source URL.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "gem", Target: "~/.gem/credentials", Text: "---\n:keeper: {token}\n"},
	{Kind: sdk.SetupPublish, Client: "gem", Text: "gem push --key keeper --host {repo-url} NAME-VERSION.gem"},
	{Kind: sdk.SetupConsume, Client: "gem", Text: "gem install --clear-sources --source {repo-url}/ NAME"},
	{Kind: sdk.SetupConsume, Client: "bundler", Target: "Gemfile", Text: "source \"{repo-url}/\"\ngem \"NAME\"\n"},
	{Kind: sdk.SetupClient, Client: "bundler", Text: "bundle config set --global {repo-url}/ {user}:{token}"},
}
