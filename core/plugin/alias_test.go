package plugin_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/dispatch/dispatchtest"
	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/ports"
)

func withAliases(fi ports.FormatInfo, aliases ...string) ports.FormatInfo {
	fi.Aliases = aliases
	return fi
}

// TestAliases checks that a plugin's aliases resolve to its key, are listed
// with its format, and that an install whose key or alias names another
// plugin's key or alias is refused naming both, leaving nothing installed.
func TestAliases(t *testing.T) {
	ctx := context.Background()
	e := newMenv(t)
	err := e.m.LoadAll(ctx, plugin.BuiltinBytes(map[string][]byte{
		"alpha": dispatchtest.Module(withAliases(info("alpha", "/alpha/"), "alf", "al")),
		"beta":  dispatchtest.Module(info("beta", "/beta/")),
	}))
	if err != nil {
		t.Fatal(err)
	}
	for format, want := range map[string]string{"alpha": "alpha", "alf": "alpha", "al": "alpha", "beta": "beta", "gamma": "", "ALF": ""} {
		got, ok := e.m.Resolve(format)
		if got != want || ok != (want != "") {
			t.Errorf("Resolve(%q) = %q, %v; want %q", format, got, ok, want)
		}
	}
	fs := e.m.Formats()
	if len(fs) != 2 || !reflect.DeepEqual(fs[0].Aliases, []string{"alf", "al"}) || len(fs[1].Aliases) != 0 {
		t.Fatalf("formats = %+v", fs)
	}
	if p, _ := e.m.Get("alpha"); !reflect.DeepEqual(p.Aliases, []string{"alf", "al"}) {
		t.Fatalf("plugin view aliases = %v", p.Aliases)
	}

	rejects := []struct {
		name string
		fi   ports.FormatInfo
		want error
		msg  string
	}{
		{"alias is another plugin's key", withAliases(info("gamma", "/gamma/"), "beta"), ports.ErrConflict, `alias "beta" of plugin "gamma" is the format key of plugin "beta"`},
		{"alias is another plugin's alias", withAliases(info("gamma", "/gamma/"), "g", "alf"), ports.ErrConflict, `alias "alf" of plugin "gamma" is already an alias of plugin "alpha"`},
		{"key is another plugin's alias", info("al", "/al/"), ports.ErrConflict, `format key "al" of plugin "al" is already an alias of plugin "alpha"`},
		{"alias is its own key", withAliases(info("gamma", "/gamma/"), "gamma"), ports.ErrInvalid, "own format key"},
		{"alias twice", withAliases(info("gamma", "/gamma/"), "g", "g"), ports.ErrInvalid, "declared twice"},
		{"alias not a key", withAliases(info("gamma", "/gamma/"), "Bad Alias"), ports.ErrInvalid, "must match"},
		{"too many aliases", withAliases(info("gamma", "/gamma/"), strings.Split(strings.Repeat("a,", 33)+"z", ",")...), ports.ErrInvalid, "at most 32"},
	}
	for _, c := range rejects {
		t.Run("refuses "+c.name, func(t *testing.T) {
			_, err := e.m.Install(ctx, dispatchtest.Module(c.fi))
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, c.want, c.msg)
			}
			if _, err := e.m.Get(c.fi.Key); err == nil && c.fi.Key != "al" {
				t.Fatal("a refused plugin was installed")
			}
			if got, _ := e.m.Resolve("alf"); got != "alpha" {
				t.Fatal("a refused install moved an alias")
			}
		})
	}

	t.Run("an upgrade may keep and change its own aliases", func(t *testing.T) {
		if _, err := e.m.Install(ctx, dispatchtest.Module(withAliases(info("gamma", "/gamma/"), "gam"))); err != nil {
			t.Fatal(err)
		}
		if _, err := e.m.Install(ctx, dispatchtest.Module(withAliases(info("gamma", "/gamma/"), "gam", "gm"))); err != nil {
			t.Fatal(err)
		}
		if got, ok := e.m.Resolve("gm"); !ok || got != "gamma" {
			t.Fatalf("Resolve(gm) = %q, %v", got, ok)
		}
	})
	t.Run("a disabled plugin's aliases resolve no more but stay reserved", func(t *testing.T) {
		if _, err := e.m.Disable(ctx, "gamma"); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.m.Resolve("gam"); ok {
			t.Fatal("alias of a disabled plugin resolves")
		}
		_, err := e.m.Install(ctx, dispatchtest.Module(withAliases(info("delta", "/delta/"), "gam")))
		if !errors.Is(err, ports.ErrConflict) {
			t.Fatalf("err = %v", err)
		}
	})
}
