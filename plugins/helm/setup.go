package helm

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials are the carriers clients use on the mount (see sdk.Credentials).
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "helm", Text: "helm repo add keeper {repo-url} --username {user} --password {token}"},
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -u {user}:{token} --data-binary @CHART-VERSION.tgz {repo-url}/api/charts"},
	{Kind: sdk.SetupConsume, Client: "helm", Text: "helm repo update && helm install RELEASE keeper/CHART"},
}
