package sdk

import "testing"

func TestRemoteURL(t *testing.T) {
	const up, local = "https://up.example/api/", "http://k/r/x/"
	for _, c := range []struct{ in, want string }{
		{"https://up.example/api/a/b.tgz", "http://k/r/x/a/b.tgz"},
		{"https://up.example/api", "http://k/r/x"},
		{"https://up.example/apix/b", "http://k/r/x/~ext/https/up.example/apix/b"},
		{"http://files.example:8080/p%20q/f.zip", "http://k/r/x/~ext/http/files.example:8080/p%20q/f.zip"},
		{"ftp://files.example/f", ""},
		{"/relative/f", ""},
		{"https:///nohost", ""},
	} {
		if got := RemoteURL(c.in, up, local); got != c.want {
			t.Errorf("RemoteURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
