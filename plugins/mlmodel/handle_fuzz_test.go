package mlmodel

import (
	"testing"

	"github.com/keeper-registry/keeper/plugins/plugintest"
)

// FuzzHandle: no request, seeded with model cards of every form, makes
// the plugin panic or answer a server error (plugintest.FuzzHandle).
func FuzzHandle(f *testing.F) {
	plugintest.FuzzHandle(f, Plugin{}, "mlmodel", "http://k/mlmodel/r", []plugintest.FuzzSeed{
		plugintest.Seed(2, "/sentiment/1.0.0/README.md", "", "", []byte(hfCard)),
		plugintest.Seed(2, "/churn/2/MLmodel", "", "", []byte(mlflowModel)),
		plugintest.Seed(2, "/tiny/0.1/model.json", "", "", []byte(`{"name":"tiny","metrics":{"a":1}}`)),
		plugintest.Seed(0, "/sentiment/1.0.0/", "", "", nil),
	})
}
