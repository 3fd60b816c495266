package plugin_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/ports"
)

// TestRepositoriesUsing: an installed plugin's repositories are named; a
// built-in plugin (never deleted) and an unknown id are not in use.
func TestRepositoriesUsing(t *testing.T) {
	ctx := context.Background()
	e := newMenv(t)
	if err := e.m.LoadAll(ctx, plugin.BuiltinBytes(map[string][]byte{"alpha": dispatchtest.Module(info("alpha", "/alpha/"))})); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Install(ctx, dispatchtest.Module(info("beta", "/beta/"))); err != nil {
		t.Fatal(err)
	}
	users, err := e.m.RepositoriesUsing(ctx, "beta", e.repos)
	if err != nil || len(users) != 0 {
		t.Fatalf("no repositories yet: %v %v", users, err)
	}
	for _, r := range []ports.Repository{{Key: "b2", Format: "beta"}, {Key: "b1", Format: "beta"}, {Key: "a1", Format: "alpha"}} {
		if err := e.repos.CreateRepository(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	users, err = e.m.RepositoriesUsing(ctx, "beta", e.repos)
	if err != nil || !slices.Equal(users, []string{"b1", "b2"}) {
		t.Fatalf("beta: %v %v, want b1 b2", users, err)
	}
	if users, err := e.m.RepositoriesUsing(ctx, "alpha", e.repos); err != nil || len(users) != 0 {
		t.Fatalf("built-in alpha: %v %v, want none (it cannot be deleted)", users, err)
	}
	if _, err := e.m.RepositoriesUsing(ctx, "nope", e.repos); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("unknown plugin: %v", err)
	}
}
