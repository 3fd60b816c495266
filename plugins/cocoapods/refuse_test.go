package cocoapods_test

import (
	"strings"
	"testing"
)

// TestRefusals: anonymous pushes, republishing, hostile archives and
// forged podspecs are refused with a message naming the problem, and a
// refused push stores nothing.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	e.want(e.push(podspecOf("Alamofire", "5.8.0"), podArchive("Alamofire", "x")), 201, "")
	files, kv := len(e.h.Files), len(e.h.KV)
	body, ct := pushBody(podspecOf("Alamofire", "5.9.0"), podArchive("Alamofire", "y"))
	e.want(e.do("", "POST", "/pods", body, ct), 401, "needs a Keeper API token")
	good := podArchive("Alamofire", "z")
	for _, c := range []struct {
		name    string
		spec    string
		archive []byte
		status  int
		msg     string
	}{
		{"republish", podspecOf("Alamofire", "5.8.0"), good, 409, "version 5.8.0 of pod Alamofire already exists"},
		{"truncated archive", podspecOf("Alamofire", "6.0.0"), good[:len(good)/2], 400, "not a readable zip"},
		{"not an archive", podspecOf("Alamofire", "6.0.0"), []byte("text"), 400, "neither a zip nor a gzip-compressed tar"},
		{"traversal", podspecOf("Alamofire", "6.0.0"), zipOf(map[string]string{"../../etc/x": "x"}), 400, "a path outside the pod"},
		{"absolute", podspecOf("Alamofire", "6.0.0"), tgzOf(map[string]string{"/etc/x": "x"}), 400, "a path outside the pod"},
		{"decompression bomb", podspecOf("Alamofire", "6.0.0"), zipOf(map[string]string{"big": strings.Repeat("0", 4<<20)}), 400, "compression ratio"},
		{"ruby podspec", "Pod::Spec.new do |s|\nend\n", good, 400, "not a JSON object"},
		{"trailing data", podspecOf("Alamofire", "6.0.0") + "{}", good, 400, "data after its JSON object"},
		{"no version", `{"name":"Alamofire"}`, good, 400, "needs a string name and version"},
		{"name with a slash", podspecOf("../evil", "1.0.0"), good, 400, "is not valid"},
		{"bad version", podspecOf("Alamofire", "v1"), good, 400, "not a CocoaPods version"},
		{"podspec too large", podspecOf("Alamofire", "6.0.0")[:20] + strings.Repeat(" ", 300<<10) + podspecOf("Alamofire", "6.0.0")[20:], good, 400, "larger than 256 KiB"},
		{"no archive", podspecOf("Alamofire", "6.0.0"), nil, 400, `has no \"archive\" part`},
		{"no podspec", "", good, 400, `has no \"podspec\" part`},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := &env{t: t, h: e.h}
			e.want(e.push(c.spec, c.archive), c.status, c.msg)
			if len(e.h.Files) != files || len(e.h.KV) != kv {
				t.Fatal("a refused push stored something")
			}
		})
	}
	e.want(e.do("alice", "POST", "/pods", body, "application/json"), 400, "multipart/form-data")
	e.want(e.do("alice", "POST", "/pods", body[:len(body)-40], ct), 400, "malformed multipart")
	e.want(e.do("", "GET", "/pods", nil, ""), 405, "POST")
	e.want(e.do("", "PUT", "/all_pods.txt", nil, ""), 405, "not allowed")
	e.want(e.do("", "GET", "/all_pods_versions_x_y_z.txt", nil, ""), 404, "no shard")
	e.want(e.do("", "GET", "/Specs/0/0/0/Nope/1.0/Nope.podspec.json", nil, ""), 404, "not found")
}
