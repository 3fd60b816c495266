package generic

import (
	"net/url"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.Validator = Plugin{}

// Validate implements sdk.Validator: a generic repository stores any bytes,
// so a file is valid when its path is one Handle would store (no empty or
// dot segments, no backslash or NUL, not a directory). Declaring validate
// is also what lets the host's generic artifacts API write here.
func (Plugin) Validate(_ sdk.Host, _, path string) error {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	p, err := cleanPath("/" + strings.Join(segs, "/"))
	if err == nil && (p == "" || p != path) {
		return sdk.Errorf(400, "invalid path %q: not a file path", path)
	}
	if err != nil {
		return sdk.Errorf(400, "invalid path %q: %v", path, err)
	}
	return nil
}
