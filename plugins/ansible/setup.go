package ansible

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: ansible-galaxy sends "Authorization: Token <token>" (Bearer
// covers it); Basic for curl.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "ansible-galaxy", Target: "ansible.cfg",
		Text: "[galaxy]\nserver_list = keeper\n\n[galaxy_server.keeper]\nurl = {repo-url}/api/\ntoken = {token}\n"},
	{Kind: sdk.SetupPublish, Client: "ansible-galaxy", Text: "ansible-galaxy collection publish NAMESPACE-NAME-VERSION.tar.gz"},
	{Kind: sdk.SetupConsume, Client: "ansible-galaxy", Text: "ansible-galaxy collection install NAMESPACE.NAME"},
}
