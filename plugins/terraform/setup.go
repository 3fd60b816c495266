package terraform

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: terraform sends the token of a `credentials "HOST"` block
// as Bearer; uploads with curl may use Basic with a token as the password.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true, Challenge: `Bearer realm="{base-url}"`}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "terraform", Target: ".terraformrc",
		Text: "credentials \"{host}\" {\n  token = \"{token}\"\n}\n"},
	{Kind: sdk.SetupPublish, Client: "curl",
		Text: "curl -H 'Authorization: Bearer {token}' -T module.tar.gz {repo-url}/-/modules/NAME/SYSTEM/1.0.0\n" +
			"curl -H 'Authorization: Bearer {token}' -T terraform-provider-TYPE_1.0.0_linux_amd64.zip '{repo-url}/-/providers/TYPE/1.0.0/terraform-provider-TYPE_1.0.0_linux_amd64.zip?protocols=5.0'"},
	{Kind: sdk.SetupConsume, Client: "terraform", Target: "main.tf",
		Text: "module \"m\" {\n  source  = \"{host}/{repo}/NAME/SYSTEM\"\n  version = \"1.0.0\"\n}\n\nterraform {\n  required_providers {\n    x = { source = \"{host}/{repo}/TYPE\" }\n  }\n}\n"},
	{Kind: sdk.SetupClient, Client: "terraform", Target: ".terraformrc (network mirror)",
		Text: "provider_installation {\n  network_mirror {\n    url = \"{repo-url}/-/mirror/\"\n  }\n}\n"},
}
