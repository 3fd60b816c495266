package ivy_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/ivy"
	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with what Ivy and sbt send, makes the
// plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, ivy.Plugin{}, "ivy", base, []plugintest.FuzzSeed{
		plugintest.Seed(2, "/org.example/demo/1.0/jars/demo-1.0.jar", "", "", jar("x")),
		plugintest.Seed(2, "/org.example/demo/1.0/ivys/ivy.xml", "", "", ivyXML("org.example", "demo", "1.0")),
		plugintest.Seed(2, "/org.example/demo/1.0/ivys/ivy.xml.sha1", "", "", []byte("da39a3ee5e6b4b0d3255bfef95601890afd80709")),
		plugintest.Seed(0, "/org.example/demo/", "", "", nil),
		plugintest.Seed(0, "/org/example/demo/1.0/demo-1.0.pom", "", "", nil),
		plugintest.Seed(0, "/org/example/demo/maven-metadata.xml", "", "", nil),
	})
}
