package casbin_test

import (
	"testing"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/casbin"
	"github.com/keeper-registry/keeper/ports"
)

// TestModuleProvidesAuthorizer builds the fx module over a real database and
// checks both ports are the same engine and that the watcher starts and stops.
func TestModuleProvidesAuthorizer(t *testing.T) {
	s := openDB(t, "")
	var az ports.Authorizer
	var pa ports.PolicyAdmin
	app := fx.New(fx.NopLogger, fx.Supply(fx.Annotate(s, fx.As(new(ports.PolicyStore)))), casbin.Module, fx.Populate(&az, &pa))
	if err := app.Err(); err != nil {
		t.Fatal(err)
	}
	if err := app.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if az.(*casbin.Authorizer) != pa.(*casbin.Authorizer) {
		t.Error("Authorizer and PolicyAdmin are different instances")
	}
	check(t, az, admin, ports.ActionAdmin, "", false, true)
	if err := app.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
}
