package pub_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
	"github.com/keeper-registry/keeper/plugins/pub"
)

// FuzzHandle: no request, seeded with what `dart pub` sends, makes the
// plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	body, ct := multipartBody(packageArchive("hello", "1.0.0"))
	plugintest.FuzzHandle(f, pub.Plugin{}, "pub", base, []plugintest.FuzzSeed{
		plugintest.Seed(0, "/api/packages/versions/new", "", "", nil),
		plugintest.Seed(3, "/api/packages/versions/newUpload", "", ct, body),
		plugintest.Seed(0, "/api/packages/versions/newUploadFinish", "package=hello&version=1.0.0", "", nil),
		plugintest.Seed(0, "/api/packages/hello", "", "", nil),
		plugintest.Seed(0, "/api/packages/hello/versions/1.0.0", "", "", nil),
	})
}
