package swift

import sdk "github.com/keeper-registry/keeper/sdk/go"

// challenge answers a request without credentials. `swift package-registry
// login URL --token T` stores a token SwiftPM sends as Bearer (with
// --username/--password it sends Basic; a Keeper API token works as the
// password).
const challenge = `Bearer realm="swift"`

var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true, Challenge: challenge}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "swift", Text: "swift package-registry set {repo-url}\nswift package-registry login {repo-url} --token {token}"},
	{Kind: sdk.SetupPublish, Client: "swift", Text: "swift package-registry publish SCOPE.NAME VERSION --url {repo-url}"},
	{Kind: sdk.SetupConsume, Client: "swift", Target: "Package.swift", Text: ".package(id: \"SCOPE.NAME\", from: \"VERSION\")"},
}
