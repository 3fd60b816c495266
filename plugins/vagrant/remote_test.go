package vagrant

import (
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestClassify(t *testing.T) {
	if (Plugin{}).Classify("/acme/base/1.0.0/libvirt.box") != sdk.Immutable || (Plugin{}).Classify("/acme/base") != sdk.Mutable {
		t.Fatal("classify")
	}
}

func TestRewrite(t *testing.T) {
	doc := `{"name":"acme/base","description":"see http://up/vagrant/u/ docs","versions":[{"version":"1.0.0","providers":[{"name":"libvirt","url":"http://up/vagrant/u/acme/base/1.0.0/libvirt.box","checksum":"ab","checksum_type":"sha256"}]}]}`
	out, err := Plugin{}.Rewrite(nil, "/acme/base", []byte(doc), "http://up/vagrant/u", "http://k/vagrant/px")
	if err != nil || !strings.Contains(string(out), `"url":"http://k/vagrant/px/acme/base/1.0.0/libvirt.box"`) ||
		!strings.Contains(string(out), "see http://up/vagrant/u/ docs") {
		t.Fatalf("rewrite: %s %v", out, err)
	}
	if box, _ := (Plugin{}).Rewrite(nil, "/a/b/1/p.box", []byte(doc), "http://up/vagrant/u", "http://k/vagrant/px"); string(box) != doc {
		t.Fatal("a box was rewritten")
	}
}

func TestMerge(t *testing.T) {
	local := `{"name":"acme/base","description":"","versions":[{"version":"1.1.0","providers":[{"name":"libvirt","url":"L11","checksum":"a","checksum_type":"sha256"}]},{"version":"1.0.0","providers":[{"name":"libvirt","url":"L10","checksum":"b","checksum_type":"sha256"}]}]}`
	remote := `{"name":"acme/base","description":"Upstream","versions":[{"version":"1.2.0","providers":[{"name":"libvirt","url":"R12","checksum":"c","checksum_type":"sha256"}]},{"version":"1.0.0","providers":[{"name":"libvirt","url":"R10","checksum":"d","checksum_type":"sha256"},{"name":"virtualbox","url":"R10v","checksum":"e","checksum_type":"sha256"}]}]}`
	out, err := Plugin{}.Merge(nil, "/acme/base", [][]byte{[]byte(local), []byte(remote)})
	want := `{"name":"acme/base","description":"Upstream","versions":[{"version":"1.2.0","providers":[{"name":"libvirt","url":"R12","checksum":"c","checksum_type":"sha256"}]},` +
		`{"version":"1.1.0","providers":[{"name":"libvirt","url":"L11","checksum":"a","checksum_type":"sha256"}]},` +
		`{"version":"1.0.0","providers":[{"name":"libvirt","url":"L10","checksum":"b","checksum_type":"sha256"},{"name":"virtualbox","url":"R10v","checksum":"e","checksum_type":"sha256"}]}]}`
	if err != nil || string(out) != want {
		t.Fatalf("merge:\n%s\nwant\n%s\n%v", out, want, err)
	}
	if _, err := (Plugin{}).Merge(nil, "/acme/base", [][]byte{[]byte("{nope")}); err == nil {
		t.Fatal("merged a broken member")
	}
}
