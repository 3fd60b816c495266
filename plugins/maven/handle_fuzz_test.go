package maven_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/maven"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what real clients sent (testdata),
// makes the plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, maven.Plugin{}, "maven", "http://k/maven/r", mavenSeeds(f))
}

func mavenSeeds(f *testing.F) []plugintest.FuzzSeed {
	const dir = "repo/org/example/keeper/lib-snap/1.1-SNAPSHOT/"
	return []plugintest.FuzzSeed{
		plugintest.Seed(2, "/org/example/keeper/lib-snap/1.1-SNAPSHOT/lib-snap-1.1-20261130.030326-1.pom", "", "", plugintest.Testdata(f, dir+"lib-snap-1.1-20261130.030326-1.pom")),
		plugintest.Seed(2, "/org/example/keeper/lib-snap/maven-metadata.xml.sha1", "", "", plugintest.Testdata(f, "repo/org/example/keeper/lib-snap/maven-metadata.xml.sha1")),
		plugintest.Seed(2, "/org/example/keeper/lib-snap/maven-metadata.xml", "", "", []byte("<metadata><groupId>org.example</groupId><versioning><versions><version>1</version></versions></versioning></metadata>")),
		plugintest.Seed(0, "/org/example/keeper/lib-snap/1.1-SNAPSHOT/maven-metadata.xml", "", "", nil),
		plugintest.Seed(2, "/org/x/a/1/a-1.jar", "", "", []byte("PK\x05\x06"+string(make([]byte, 18)))),
		plugintest.Seed(0, "/org/example/", "", "", nil),
	}
}
