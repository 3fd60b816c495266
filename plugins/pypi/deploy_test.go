package pypi

import (
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func put(h *testHost, user, path string, body []byte) *sdk.Request {
	r := &sdk.Request{Method: "PUT", Path: path, Repo: h.RepoCtx, User: user}
	if body != nil {
		r.Body = &sdk.Body{Digest: h.AddBlob(body), Size: uint64(len(body))}
	}
	return r
}

// A distribution PUT at its path is indexed as a twine upload: stored at
// Keeper's path with its PEP 658 metadata, listed by the simple API.
func TestDeployByPath(t *testing.T) {
	h := newTestHost()
	whl, sdist := fixture(t, "dists/"+wheelName), fixture(t, "dists/"+sdistName)
	if st, msg, _ := do(t, h, put(h, "admin", "/keeper-demo/1.0.0/"+wheelName, whl)); st != 200 {
		t.Fatalf("deploy wheel: %d %s", st, msg)
	}
	if st, msg, _ := do(t, h, put(h, "admin", "/packages/keeper-demo/"+sdistName, sdist)); st != 200 {
		t.Fatalf("deploy sdist: %d %s", st, msg)
	}
	f := h.Files["packages/keeper-demo/"+wheelName]
	if f.SHA256 != sha(whl) || f.Package != "keeper-demo" || f.Version != "1.0.0" {
		t.Fatalf("wheel stored as %+v", f)
	}
	if _, ok := h.Files["packages/keeper-demo/"+wheelName+".metadata"]; !ok {
		t.Fatal("no PEP 658 metadata beside the wheel")
	}
	st, body, _ := do(t, h, get(h, "/simple/keeper-demo/", "Accept", "application/vnd.pypi.simple.v1+json"))
	if st != 200 || !strings.Contains(body, wheelName) || !strings.Contains(body, sdistName) || !strings.Contains(body, sha(whl)) {
		t.Fatalf("simple project page %d: %s", st, body)
	}
}

func TestDeployByPathRefusals(t *testing.T) {
	h := newTestHost()
	whl := fixture(t, "dists/"+wheelName)
	for _, c := range []struct {
		name, user, path string
		body             []byte
		status           int
	}{
		{"anonymous", "", "/keeper-demo/1.0.0/" + wheelName, whl, 401},
		{"name mismatch", "admin", "/other/1.0.0/" + wheelName, whl, 400},
		{"version mismatch", "admin", "/keeper-demo/2.0.0/" + wheelName, whl, 400},
		{"metadata mismatch", "admin", "/other/1.0.0/other-1.0.0-py3-none-any.whl", whl, 400},
		{"not a distribution", "admin", "/keeper-demo/1.0.0/readme.txt", whl, 400},
		{"not a wheel", "admin", "/keeper-demo/1.0.0/" + wheelName, []byte("hello"), 400},
		{"no body", "admin", "/keeper-demo/1.0.0/" + wheelName, nil, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			if st, msg, _ := do(t, h, put(h, c.user, c.path, c.body)); st != c.status {
				t.Fatalf("status %d, want %d: %s", st, c.status, msg)
			}
		})
	}
	if len(h.Files) != 0 {
		t.Fatalf("a refused deploy stored %d files", len(h.Files))
	}
	if st, msg, _ := do(t, h, put(h, "admin", "/keeper-demo/1.0.0/"+wheelName, whl)); st != 200 {
		t.Fatalf("deploy: %d %s", st, msg)
	}
	if st, msg, _ := do(t, h, put(h, "admin", "/keeper-demo/"+wheelName, whl)); st != 409 {
		t.Fatalf("republish: %d %s", st, msg)
	}
}
