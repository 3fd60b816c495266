package pub

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: `dart pub token add URL` stores a token the client sends as
// Bearer to that hosted URL (repository-spec-v2.md, "Authentication").
var credentials = &sdk.Credentials{Bearer: true, Challenge: `Bearer realm="pub", message="use a Keeper API token: dart pub token add"`}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "dart", Text: "echo {token} | dart pub token add {repo-url}"},
	{Kind: sdk.SetupPublish, Client: "dart", Target: "pubspec.yaml", Text: "publish_to: {repo-url}\n"},
	{Kind: sdk.SetupConsume, Client: "dart", Target: "pubspec.yaml", Text: "dependencies:\n  NAME:\n    hosted: {repo-url}\n    version: ^VERSION\n"},
}
