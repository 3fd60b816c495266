package cargo

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials are the carriers clients use on the mount (see sdk.Credentials).
var credentials = &sdk.Credentials{Bearer: true, TokenInPassword: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "cargo", Target: ".cargo/config.toml", Text: "[registries.keeper]\nindex = \"sparse+{repo-url}/\"\ncredential-provider = \"cargo:token\"\n"},
	{Kind: sdk.SetupClient, Client: "cargo", Text: "cargo login --registry keeper {token}"},
	{Kind: sdk.SetupPublish, Client: "cargo", Text: "cargo publish --registry keeper"},
	{Kind: sdk.SetupConsume, Client: "cargo", Target: "Cargo.toml", Text: "[dependencies]\nNAME = { version = \"VERSION\", registry = \"keeper\" }\n"},
}
