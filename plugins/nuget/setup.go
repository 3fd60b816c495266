package nuget

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: NuGet sends the API key in X-NuGet-ApiKey on push and
// delete, and Basic credentials (packageSourceCredentials) on reads.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true, TokenHeaders: []string{"X-NuGet-ApiKey"}}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "dotnet", Text: "dotnet nuget add source {repo-url}/v3/index.json --name keeper --username {user} --password {token} --store-password-in-clear-text"},
	{Kind: sdk.SetupPublish, Client: "dotnet", Text: "dotnet nuget push PACKAGE.nupkg --source {repo-url}/v3/index.json --api-key {token}"},
	{Kind: sdk.SetupPublish, Client: "nuget", Text: "nuget push PACKAGE.nupkg -Source {repo-url}/api/v2/package -ApiKey {token}"},
	{Kind: sdk.SetupConsume, Client: "nuget", Text: "nuget install ID -Version VERSION -Source {repo-url}/api/v2/"},
}
