package incus

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: the SimpleStreams clients (incus and lxc) send no
// credentials, so reads need a public repository; publishing takes a
// Keeper API token (Bearer, or Basic with the token as the password).
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -H 'Authorization: Bearer {token}' -F metadata=@incus.tar.xz -F rootfs=@rootfs.squashfs {repo-url}/images"},
	{Kind: sdk.SetupConsume, Client: "incus", Text: "incus remote add keeper {repo-url} --protocol=simplestreams --public\nincus image list keeper:"},
	{Kind: sdk.SetupConsume, Client: "lxc", Text: "lxc remote add keeper {repo-url} --protocol=simplestreams --public\nlxc image list keeper:"},
}
