package buf

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: buf sends BUF_TOKEN as a Bearer token.
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupPublish, Client: "curl", Text: "curl -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' " +
		"-d '{\"contents\":[{\"moduleRef\":{\"name\":{\"owner\":\"OWNER\",\"module\":\"MODULE\"}},\"files\":[{\"path\":\"a.proto\",\"content\":\"BASE64\"}]}]}' " +
		"{repo-url}/buf.registry.module.v1.UploadService/Upload"},
	{Kind: sdk.SetupConsume, Client: "curl", Text: "curl -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' " +
		"-d '{\"values\":[{\"resourceRef\":{\"name\":{\"owner\":\"OWNER\",\"module\":\"MODULE\"}}}]}' " +
		"{repo-url}/buf.registry.module.v1.DownloadService/Download"},
}
