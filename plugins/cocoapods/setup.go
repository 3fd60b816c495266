package cocoapods

import sdk "github.com/keeper-registry/keeper/sdk/go"

// setup are the client set-up snippets served by the host's set-up page.
// CocoaPods reads a CDN source over plain HTTP GETs; credentials for a
// private repository go in ~/.netrc (curl, which CocoaPods' CDN source
// uses through typhoeus, reads it).
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "pod", Target: "~/.netrc", Text: "machine {host} login {user} password {token}"},
	{Kind: sdk.SetupClient, Client: "pod", Text: "pod repo add-cdn keeper {repo-url}"},
	{Kind: sdk.SetupPublish, Client: "curl", Text: "pod ipc spec NAME.podspec > NAME.podspec.json\ncurl -u {user}:{token} -F podspec=@NAME.podspec.json -F archive=@NAME-VERSION.zip {repo-url}/pods"},
	{Kind: sdk.SetupConsume, Client: "pod", Target: "Podfile", Text: "source '{repo-url}'\npod 'NAME', 'VERSION'"},
}
