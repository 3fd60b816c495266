package huggingface

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: huggingface_hub sends the token (HF_TOKEN) as
// `authorization: Bearer <token>` (utils/_headers.py build_hf_headers); the
// LFS upload hrefs this plugin hands out carry a short-lived session token
// as their userinfo, which httpx sends as Basic (see lfs.go).
var credentials = &sdk.Credentials{Bearer: true, TokenInPassword: true,
	Challenge: `Bearer realm="huggingface", error="use a Keeper API token as HF_TOKEN"`}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "huggingface_hub", Text: "export HF_ENDPOINT={repo-url}\nexport HF_TOKEN={token}\nexport HF_HUB_DISABLE_XET=1"},
	{Kind: sdk.SetupPublish, Client: "hf", Text: "hf upload {user}/NAME ./model-folder ."},
	{Kind: sdk.SetupConsume, Client: "hf", Text: "hf download {user}/NAME"},
}
