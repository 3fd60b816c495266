package conan

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: `conan remote login` sends Basic to users/authenticate (a
// password or an API token as the password); every later call carries the
// token it got back as Bearer.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "conan", Text: "conan remote add keeper {repo-url}\nconan remote login keeper {user} -p {token}"},
	{Kind: sdk.SetupPublish, Client: "conan", Text: "conan upload \"NAME/VERSION\" -r keeper -c"},
	{Kind: sdk.SetupConsume, Client: "conan", Text: "conan install --requires=NAME/VERSION -r keeper"},
}
