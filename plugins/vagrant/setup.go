package vagrant

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: vagrant sends no credentials of its own to a custom server
// (curl --user, Basic, or a Bearer token for uploads).
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "vagrant", Target: "shell",
		Text: "export VAGRANT_SERVER_URL={repo-url}\n"},
	{Kind: sdk.SetupPublish, Client: "curl",
		Text: "curl --user USER:{token} --upload-file libvirt.box {repo-url}/ORG/BOX/1.0.0/libvirt.box"},
	{Kind: sdk.SetupConsume, Client: "vagrant", Text: "VAGRANT_SERVER_URL={repo-url} vagrant box add ORG/BOX --provider libvirt"},
}
