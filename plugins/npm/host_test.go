package npm_test

import (
	"sort"

	sdk "github.com/keeper-registry/keeper/sdk/go"
	"github.com/keeper-registry/keeper/sdk/go/fakehost"
)

// epochMs is when the test clock starts (2026-01-01); each new version is
// stamped one second later than the one before.
const epochMs = 1767225600000

// testHost is the SDK's fake host (tar.gz reading, committed versions)
// stamping new versions with a clock and bumping the repository generation
// on every commit.
type testHost struct{ *fakehost.Host }

func newHost() *testHost {
	h := &testHost{Host: fakehost.New(&sdk.RepoContext{Key: "js", Kind: "local", Format: "npm",
		BaseURL: "http://keeper.test/npm/js", Generation: 1})}
	h.Accounts = map[string]string{"bob": "bobs-password"}
	clock := int64(0)
	h.VersionClock = func() int64 { clock++; return epochMs + clock*1000 }
	return h
}

// commit applies staged writes, versions included.
func (h *testHost) commit() {
	h.Commit()
	h.RepoCtx.Generation++
}

func (h *testHost) discard() { h.Discard() }

// versionsOf lists the committed versions of pkg in order.
func (h *testHost) versionsOf(pkg string) []string {
	var out []string
	for _, v := range h.Versions {
		if v.Package == pkg {
			out = append(out, v.Version)
		}
	}
	sort.Strings(out)
	return out
}
