package lfs

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: git-lfs sends Basic credentials from git's credential
// helpers (or the URL); action hrefs carry a Bearer session token.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true,
	Challenge: `Basic realm="keeper"`}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "git-lfs", Target: ".lfsconfig",
		Text: "[lfs]\n\turl = {repo-url}\n\tlocksverify = true\n"},
	{Kind: sdk.SetupClient, Client: "git", Text: "git config --global credential.helper store && " +
		"printf 'url={repo-url}\\nusername=admin\\npassword={token}\\n\\n' | git credential approve"},
	{Kind: sdk.SetupPublish, Client: "git-lfs", Text: "git lfs track '*.bin' && git add .gitattributes *.bin && git commit -m data && git push"},
	{Kind: sdk.SetupConsume, Client: "git-lfs", Text: "git clone REMOTE && cd REPO && git lfs pull"},
}
