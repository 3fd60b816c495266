package gomod

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials are the carriers clients use on the mount (see sdk.Credentials).
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "go", Text: "go env -w GOPROXY={repo-url},direct GONOSUMDB=MODULE-PREFIX"},
	{Kind: sdk.SetupClient, Client: "go", Target: "~/.netrc", Text: "machine {host} login {user} password {token}\n"},
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -H \"Authorization: Bearer {token}\" -T module.zip {repo-url}/MODULE/@v/VERSION.zip"},
	{Kind: sdk.SetupConsume, Client: "go", Text: "go get MODULE@VERSION"},
}
