package oci

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials are the carriers clients use on the mount (see sdk.Credentials).
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true,
	// The token protocol, https://distribution.github.io/distribution/spec/auth/token/.
	Challenge: `Bearer realm="{base-url}/v2/token",service="keeper"`}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "docker", Text: "docker login {host} -u {user} -p {token}"},
	{Kind: sdk.SetupPublish, Client: "docker", Text: "docker tag IMAGE {host}/{repo}/IMAGE:TAG && docker push {host}/{repo}/IMAGE:TAG"},
	{Kind: sdk.SetupConsume, Client: "docker", Text: "docker pull {host}/{repo}/IMAGE:TAG"},
	{Kind: sdk.SetupPublish, Client: "helm", Text: "helm push CHART-VERSION.tgz oci://{host}/{repo}"},
}
