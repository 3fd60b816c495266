package composer

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: Composer sends http-basic credentials (auth.json) as Basic;
// a token works as the password or as a Bearer token (auth.json "bearer").
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "composer", Target: "composer.json",
		Text: "{\n  \"repositories\": [\n    {\"type\": \"composer\", \"url\": \"{repo-url}\"},\n    {\"packagist.org\": false}\n  ]\n}\n"},
	{Kind: sdk.SetupClient, Client: "composer", Text: "composer config --global http-basic.{host} {user} {token}"},
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -u {user}:{token} -X PUT --data-binary @package.zip '{repo-url}/api/packages?version=VERSION'"},
	{Kind: sdk.SetupConsume, Client: "composer", Text: "composer require VENDOR/NAME"},
}
