package npm

import (
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.HeldRewriter = Plugin{}

// RewriteHeld implements sdk.HeldRewriter (contract 0.9.0): the common
// packument, whose versions and itself are all named after the requested
// package and whose tarball URLs end in a plain ".tgz" file name, is
// rewritten by the host's json-edit without entering the guest: each
// versions.*.dist.tarball's text up to its last '/' becomes the
// repository's "{localBase}/{name}/-/", exactly what Rewrite writes for
// such a URL (plainFile and tarballWriter). Any other document (a version
// document, another name, an unusual URL, repeated members, a value of
// another kind, malformed JSON) does not fit, and Rewrite runs with the
// document as before.
func (Plugin) RewriteHeld(h sdk.Host, path string, doc sdk.Source, size uint64, _, localBase string) (sdk.Held, error) {
	if strings.Contains(path, "/-/") {
		return sdk.Held{Unchanged: true}, nil
	}
	name, err := url.PathUnescape(strings.TrimPrefix(path, "/"))
	if err != nil || size > maxRewriteBytes || validName(name) != nil {
		return sdk.Held{}, nil
	}
	w := tarballWriter{base: strings.TrimSuffix(localBase, "/")}
	prefix := w.prefixFor([]byte(name))
	if prefix == nil {
		return sdk.Held{}, nil
	}
	quoted := []byte(`"` + name + `"`)
	res, err := sdk.JSONEdit(h, doc, []sdk.StringEdit{{
		Path: packumentPaths[pVersionTarball], Separator: "/", Head: string(prefix[1:]),
		TailBytes: fileBytes, TailSuffix: ".tgz", Forbid: "?#%",
	}}, []sdk.Require{
		{Path: packumentPaths[pName], Value: quoted},
		{Path: packumentPaths[pVersionName], Value: quoted},
		{Path: packumentPaths[pVersions]},
	})
	if err != nil || !res.Doc.Built() || len(res.Found) != 3 || res.Found[0] != 1 || res.Found[2] != 1 {
		return sdk.Held{}, nil
	}
	return sdk.Held{Doc: res.Doc}, nil
}

// fileBytes are the bytes plainFile takes in a tarball's file name (RFC
// 3986 unreserved: url.PathEscape keeps them).
const fileBytes = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
