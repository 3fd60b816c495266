package ivy

import sdk "github.com/keeper-registry/keeper/sdk/go"

// credentials: Ivy and sbt send Basic credentials after the host's
// challenge (Ivy matches them by realm and host: the realm is "keeper").
var credentials = &sdk.Credentials{Basic: true, TokenInPassword: true, Bearer: true}

// setup are the client set-up snippets served by the host's set-up page.
var setup = []sdk.SetupSnippet{
	{Kind: sdk.SetupClient, Client: "ivy", Target: "ivysettings.xml", Text: `<ivysettings>
  <!-- host: the server's name without its port -->
  <credentials host="HOSTNAME" realm="keeper" username="{user}" passwd="{token}"/>
  <settings defaultResolver="keeper"/>
  <resolvers>
    <url name="keeper" m2compatible="false">
      <ivy pattern="{repo-url}/[organisation]/[module]/[revision]/ivys/ivy.xml"/>
      <artifact pattern="{repo-url}/[organisation]/[module]/[revision]/[type]s/[artifact]-[revision].[ext]"/>
    </url>
  </resolvers>
</ivysettings>
`},
	{Kind: sdk.SetupPublish, Client: "ivy", Text: "java -jar ivy.jar -settings ivysettings.xml -ivy ivy.xml -publish keeper -publishpattern 'dist/[artifact]-[revision].[ext]' -revision VERSION -status release"},
	{Kind: sdk.SetupConsume, Client: "ivy", Text: "java -jar ivy.jar -settings ivysettings.xml -dependency ORG MODULE VERSION -retrieve 'lib/[artifact]-[revision].[ext]'"},
	{Kind: sdk.SetupClient, Client: "sbt", Target: "build.sbt", Text: `resolvers += Resolver.url("keeper", url("{repo-url}"))(Resolver.ivyStylePatterns)
publishTo := Some(Resolver.url("keeper", url("{repo-url}"))(Resolver.ivyStylePatterns))
credentials += Credentials("keeper", "HOSTNAME", "{user}", "{token}")
`},
}
