package vagrant

import (
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

func anonymous(h *fakehost.Host, method, path string) *sdk.Response {
	return fakehost.Serve(Plugin{}, h, &sdk.Request{Method: method, Path: path, Repo: h.RepoCtx})
}

// TestCloudPublishFlow walks the requests `vagrant cloud publish` sends
// (vagrant_cloud 3.0 lib/vagrant_cloud/client.rb) and the catalog's view of
// a version before and after its release.
func TestCloudPublishFlow(t *testing.T) {
	h := newHost()
	h.Caller = "alice"
	mustStatus(t, call(h, "GET", "/authenticate", nil), 200, `"username":"alice"`)
	mustStatus(t, call(h, "GET", "/user/acme", nil), 200, `{"boxes":[],"username":"acme"}`)
	mustStatus(t, call(h, "POST", "/boxes", []byte(`{"username":"acme","name":"cloud","short_description":"short","description":"long","is_private":false}`)),
		200, `"description":"long"`)
	h.Commit()
	mustStatus(t, call(h, "POST", "/boxes", []byte(`{"username":"acme","name":"cloud"}`)), 422, "already exists")
	mustStatus(t, call(h, "GET", "/user/acme", nil), 200, `"tag":"acme/cloud"`)
	mustStatus(t, call(h, "POST", "/box/acme/cloud/versions", []byte(`{"version":{"version":"1.0.0","description":"first"}}`)),
		200, `"status":"unreleased"`)
	h.Commit()
	mustStatus(t, call(h, "POST", "/box/acme/cloud/versions", []byte(`{"version":{"version":"1.0.0"}}`)), 422, "already exists")
	mustStatus(t, call(h, "POST", "/box/acme/cloud/version/1.0.0/providers", []byte(`{"provider":{"name":"libvirt"}}`)), 200, `"hosted":false`)
	h.Commit()
	up := call(h, "GET", "/box/acme/cloud/version/1.0.0/provider/libvirt/upload/direct", nil)
	mustStatus(t, up, 200, `"upload_path":"http://vagrant:fake-session-alice-`)
	if !strings.Contains(string(up.Bytes), `@k/vagrant/r/acme/cloud/1.0.0/libvirt.box"`) {
		t.Fatalf("upload_path is not the box's path: %s", up.Bytes)
	}
	b1 := libvirtBox("cloud")
	mustStatus(t, call(h, "PUT", "/acme/cloud/1.0.0/libvirt.box", b1), 201, "")
	h.Commit()
	mustStatus(t, call(h, "GET", "/acme/cloud", nil), 404, "no box named") // unreleased
	mustStatus(t, call(h, "GET", "/box/acme/cloud/version/1.0.0", nil), 200, `"checksum":"`+sha(b1)+`","checksum_type":"sha256"`)
	mustStatus(t, call(h, "PUT", "/box/acme/cloud/version/1.0.0/release", nil), 200, `"status":"active"`)
	h.Commit()
	mustStatus(t, call(h, "GET", "/acme/cloud", nil), 200, `"versions":[{"version":"1.0.0","providers":[{"name":"libvirt","url":"`+base+`/acme/cloud/1.0.0/libvirt.box"`)

	// A provider with an external URL is listed once its version is released.
	mustStatus(t, call(h, "POST", "/box/acme/cloud/versions", []byte(`{"version":{"version":"2.0.0"}}`)), 200, "")
	h.Commit()
	mustStatus(t, call(h, "POST", "/box/acme/cloud/version/2.0.0/providers",
		[]byte(`{"provider":{"name":"virtualbox","url":"https://example.test/v.box","checksum":"abc","checksum_type":"sha1"}}`)), 200, "")
	h.Commit()
	mustStatus(t, call(h, "PUT", "/box/acme/cloud/version/2.0.0/release", nil), 200, "")
	h.Commit()
	mustStatus(t, call(h, "GET", "/acme/cloud", nil), 200, `{"version":"2.0.0","providers":[{"name":"virtualbox","url":"https://example.test/v.box","checksum":"abc","checksum_type":"sha1"}]}`)
	mustStatus(t, call(h, "PUT", "/box/acme/cloud/version/2.0.0/revoke", nil), 200, `"status":"revoked"`)
	h.Commit()
	if c := call(h, "GET", "/acme/cloud", nil); strings.Contains(string(c.Bytes), "2.0.0") {
		t.Fatalf("a revoked version is in the catalog: %s", c.Bytes)
	}
}

// TestCloudRefusals: the API needs a token, names are checked, reserved
// organisation names cannot be uploaded to, and bad bodies are 4xx.
func TestCloudRefusals(t *testing.T) {
	h := newHost()
	mustStatus(t, anonymous(h, "GET", "/authenticate"), 401, "VAGRANT_CLOUD_TOKEN")
	mustStatus(t, anonymous(h, "POST", "/boxes"), 401, "")
	mustStatus(t, call(h, "POST", "/boxes", []byte(`{"username":"box","name":"x"}`)), 422, "invalid box name")
	mustStatus(t, call(h, "POST", "/boxes", []byte(`{"username":"acme","name":"../x"}`)), 422, "invalid box name")
	mustStatus(t, call(h, "POST", "/boxes", []byte(`{`)), 400, "invalid JSON")
	mustStatus(t, call(h, "POST", "/boxes", nil), 400, "JSON body")
	mustStatus(t, call(h, "PUT", "/user/acme/1.0.0/libvirt.box", libvirtBox("x")), 404, "")
	mustStatus(t, call(h, "GET", "/box/acme/none", nil), 404, "no box named")
	mustStatus(t, call(h, "POST", "/box/acme/none/versions", []byte(`{"version":{"version":"1.0.0"}}`)), 404, "no box named")
	mustStatus(t, call(h, "POST", "/boxes", []byte(`{"username":"acme","name":"b"}`)), 200, "")
	h.Commit()
	mustStatus(t, call(h, "POST", "/box/acme/b/versions", []byte(`{"version":{"version":"one"}}`)), 422, "invalid version")
	mustStatus(t, call(h, "GET", "/box/acme/b/version/1.0.0", nil), 404, "not found")
	mustStatus(t, call(h, "POST", "/box/acme/b/versions", []byte(`{"version":{"version":"1.0.0"}}`)), 200, "")
	h.Commit()
	mustStatus(t, call(h, "POST", "/box/acme/b/version/1.0.0/providers", []byte(`{"provider":{"name":"lv","checksum_type":"crc"}}`)), 422, "checksum_type")
	mustStatus(t, call(h, "POST", "/box/acme/b/version/1.0.0/providers", []byte(`{"provider":{"name":"lv","url":"file:///etc/passwd"}}`)), 422, "http or https")
	mustStatus(t, call(h, "GET", "/box/acme/b/version/1.0.0/provider/lv/upload", nil), 404, "provider lv")
	if b := boxFile(true, `{"provider":"libvirt"}`); call(h, "PUT", "/boxes/x/1.0.0/libvirt.box", b).Status != 404 {
		t.Fatal("an upload under a reserved name was not refused")
	}
}
