package maven

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials are the carriers clients use on the mount (see sdk.Credentials).
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "maven", Target: "~/.m2/settings.xml", Text: "<settings><servers><server>\n  <id>keeper</id><username>{user}</username><password>{token}</password>\n</server></servers></settings>\n"},
	{Kind: sdk.SetupPublish, Client: "maven", Target: "pom.xml", Text: "<distributionManagement><repository>\n  <id>keeper</id><url>{repo-url}</url>\n</repository></distributionManagement>\n"},
	{Kind: sdk.SetupConsume, Client: "maven", Target: "pom.xml", Text: "<repositories><repository>\n  <id>keeper</id><url>{repo-url}</url>\n</repository></repositories>\n"},
	{Kind: sdk.SetupConsume, Client: "gradle", Target: "build.gradle.kts", Text: "repositories {\n  maven {\n    url = uri(\"{repo-url}\")\n    credentials { username = \"{user}\"; password = \"{token}\" }\n  }\n}\n"},
}
