package opkg

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials are the carriers clients use on the mount: curl-style Basic
// or an API token as the password or bearer.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page
// (opkg.conf syntax: https://openwrt.org/docs/guide-user/additional-software/opkg#configuration).
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "opkg", Target: "/etc/opkg/customfeeds.conf",
		Text: "src/gz keeper {repo-url}/FEED\noption check_signature 1\n"},
	{Kind: sdk.SetupClient, Client: "curl", Text: "curl -fsSL {repo-url}/key.asc | gpg --homedir /etc/opkg/gpg --import"},
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -u {user}:{token} -T NAME_VERSION_ARCH.ipk {repo-url}/FEED/"},
	{Kind: sdk.SetupConsume, Client: "opkg", Text: "opkg update && opkg install NAME"},
}
