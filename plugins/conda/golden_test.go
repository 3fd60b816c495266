package conda_test

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// TestGoldenIndexes compares every index document of a channel holding
// packages of both formats in two subdirs with testdata/golden (refresh with
// go test -update).
func TestGoldenIndexes(t *testing.T) {
	e := newEnv(t, false)
	for path, pkg := range map[string][]byte{
		"/hello-1.0-py_0.tar.bz2":       tarBz2(t, index("hello", "1.0", "py_0", "noarch")),
		"/hello-1.10-py_0.conda":        condaPkg(t, index("hello", "1.10", "py_0", "noarch")),
		"/hello-1.9-py_0.conda":         condaPkg(t, index("hello", "1.9", "py_0", "noarch")),
		"/linux-64/tool-0.3-h1_2.conda": condaPkg(t, index("tool", "0.3", "h1_2", "linux-64")),
	} {
		if st, body := e.do("PUT", path, pkg); st != 201 {
			t.Fatalf("PUT %s: %d %s", path, st, body)
		}
	}
	for _, doc := range []string{"noarch/repodata.json", "noarch/current_repodata.json", "linux-64/repodata.json", "channeldata.json"} {
		plugintest.Golden(t, "golden/"+doc, e.get("/"+doc))
	}
}
