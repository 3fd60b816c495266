package dispatch_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/keeper-registry/keeper/ports"
)

// describer is a format whose parse-metadata reads the file through the
// host call it is given and answers a scan layout for "upstream a".
type describer struct{ calls []string }

func (*describer) ParsesMetadata(format string) bool { return format == "demo" }
func (d *describer) ParseMetadata(ctx context.Context, _, _, digest, filename string, host ports.HostCall, _ *ports.RepoContext) ([]byte, error) {
	d.calls = append(d.calls, filename)
	b, err := host.ReadBlob(ctx, digest, 0, 100)
	if err != nil {
		return nil, err
	}
	if string(b) != "upstream a" {
		return nil, errors.New("not a package")
	}
	return []byte(`{"name":"a","scan":{"unpack":"none","mode":"rootfs"}}`), nil
}

// TestRemoteFilesGetTheirPluginsScanLayout: a file a remote repository
// fetches is described by its plugin (reading its blob through the host
// call), and the "scan" member of the answer is the cached file's layout.
func TestRemoteFilesGetTheirPluginsScanLayout(t *testing.T) {
	e, _, _ := remoteEnv(t)
	p := &describer{}
	e.d.UseMetadata(p)
	if rec := e.do(&admin, http.MethodGet, "/demo/prox/a.txt", nil); rec.Code != 200 {
		t.Fatalf("GET: %d %s", rec.Code, rec.Body.String())
	}
	repo, err := e.repos.GetRepository(context.Background(), "prox")
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.files.GetFile(context.Background(), repo.ID, "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Scan json.RawMessage `json:"scan"`
	}
	if err := json.Unmarshal(f.Metadata, &m); err != nil || string(m.Scan) != `{"unpack":"none","mode":"rootfs"}` {
		t.Fatalf("cached metadata %s (%v)", f.Metadata, err)
	}
	if len(p.calls) != 1 || p.calls[0] != "a.txt" {
		t.Fatalf("parse-metadata calls %v", p.calls)
	}
}
