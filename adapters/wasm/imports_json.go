package wasm

import (
	"context"

	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// JsonMembers is the json-members import of contract 0.5.0: generic JSON
// projection and compaction done natively, bounded by hostjson's limits
// (and the guest bytes a call may lift, cs.lim.maxBody). The SDK's native
// path runs the same package.
func (cs *callState) JsonMembers(_ context.Context, docs [][]byte, keys []string, form wMemberForm) (wMemberSpans, error) {
	m, err := hostjson.JSONMembers(docs, keys, hostjson.Form(form))
	return wMemberSpans(m), err
}
