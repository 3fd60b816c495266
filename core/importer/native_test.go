package importer

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/keeper-registry/keeper/core/auth"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/ports"
)

// fakeMounts records the request and answers with resp or err.
type fakeMounts struct {
	table *dispatch.Table
	got   *dispatch.Request
	body  string
	who   ports.Subject
	resp  *dispatch.Response
	err   error
}

func (f *fakeMounts) Table() *dispatch.Table { return f.table }

func (f *fakeMounts) Serve(ctx context.Context, req *dispatch.Request) (*dispatch.Response, error) {
	f.got, f.who = req, auth.SubjectFrom(ctx)
	b, _ := io.ReadAll(req.Body)
	f.body = string(b)
	return f.resp, f.err
}

func TestNativeDeploy(t *testing.T) {
	table, _ := dispatch.NewTable([]dispatch.Route{
		{Prefix: "/v2/", Root: true, Format: "oci"},
		{Prefix: "/npm/", Format: "npm"},
	})
	admin := ports.Subject{UserID: 7, Username: "admin"}
	repo := ports.Repository{Key: "js local", Format: "npm"}
	cases := []struct {
		name     string
		resp     *dispatch.Response
		err      error
		conflict bool
		msg      string
	}{
		{name: "stored", resp: &dispatch.Response{Status: 201, Body: []byte(`{"ok":true}`)}},
		{name: "republish", resp: &dispatch.Response{Status: 409, Body: []byte(`{"error":"cannot publish over 1.0.0"}`)}, conflict: true, msg: "cannot publish over 1.0.0"},
		{name: "plugin status 409", err: &dispatch.Error{Kind: dispatch.ErrPluginStatus, Status: 409, Message: "File already exists"}, conflict: true, msg: "File already exists"},
		{name: "refused", resp: &dispatch.Response{Status: 400, Body: []byte(`{"error":"names right-pad, not left-pad"}`)}, msg: "answered 400: names right-pad"},
		{name: "plugin error", err: &dispatch.Error{Kind: dispatch.ErrPluginStatus, Status: 400, Message: "bad wheel"}, msg: "bad wheel"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := &fakeMounts{table: table, resp: c.resp, err: c.err}
			err := NativeDeployer{Mounts: m, By: admin}.Deploy(context.Background(), repo, "@s/left-pad/-/left pad-1.0.0.tgz", strings.NewReader("tgz"))
			if m.got.Method != "PUT" || m.got.EscapedPath != "/npm/js%20local/@s/left-pad/-/left%20pad-1.0.0.tgz" || m.body != "tgz" {
				t.Fatalf("sent %s %s %q", m.got.Method, m.got.EscapedPath, m.body)
			}
			if m.who.Username != "admin" {
				t.Fatalf("served as %+v, not the importing admin", m.who)
			}
			var ce *ports.ConflictError
			switch {
			case c.msg == "" && err != nil:
				t.Fatalf("deploy: %v", err)
			case c.msg != "" && (err == nil || !strings.Contains(err.Error(), c.msg)):
				t.Fatalf("error %v, want it to say %q", err, c.msg)
			case errors.As(err, &ce) != c.conflict:
				t.Fatalf("error %v: conflict %v, want %v", err, !c.conflict, c.conflict)
			}
		})
	}
	t.Run("dot segments", func(t *testing.T) {
		for _, p := range []string{"../other/x.tgz", "a//b", "a/./b", "/a"} {
			m := &fakeMounts{table: table}
			if err := (NativeDeployer{Mounts: m, By: admin}).Deploy(context.Background(), repo, p, strings.NewReader("")); !errors.Is(err, ErrBadSource) || m.got != nil {
				t.Fatalf("%q: %v (sent %v)", p, err, m.got)
			}
		}
	})
	t.Run("root mount", func(t *testing.T) {
		// Below the repository key's "-/deploy/", where the plugin keeps
		// deploys apart from its own names; its 424 is ErrPending.
		m := &fakeMounts{table: table, resp: &dispatch.Response{Status: StatusPending, Body: []byte(`{"errors":[{"code":"X","message":"blob unknown"}]}`)}}
		err := NativeDeployer{Mounts: m, By: admin}.Deploy(context.Background(), ports.Repository{Key: "img", Format: "oci"}, "app/1.0/manifest.json", strings.NewReader("{}"))
		if m.got.EscapedPath != "/v2/img/-/deploy/app/1.0/manifest.json" || !errors.Is(err, ErrPending) || !strings.Contains(err.Error(), "blob unknown") {
			t.Fatalf("sent %s: %v", m.got.EscapedPath, err)
		}
	})
	t.Run("no mount", func(t *testing.T) {
		err := NativeDeployer{Mounts: &fakeMounts{table: table}, By: admin}.Deploy(context.Background(), ports.Repository{Key: "x", Format: "maven"}, "a", strings.NewReader(""))
		if !errors.Is(err, ErrNoMount) {
			t.Fatalf("a format with no mount: %v", err)
		}
	})
}
