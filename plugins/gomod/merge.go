package gomod

import (
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/mod/semver"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var _ sdk.Merger = Plugin{}

// maxMergeBytes bounds the documents of one merge.
const maxMergeBytes = 16 << 20

// Merge implements sdk.Merger for virtual repositories
// (https://go.dev/ref/mod#goproxy-protocol): `$module/@v/list` becomes the
// union of the members' versions (valid semantic versions only, sorted),
// `$module/@latest` the members' newest by the go command's order (release
// over pre-release over pseudo-version); other documents are the first
// member's.
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("go: merge: no documents")
	}
	total := 0
	for _, d := range docs {
		total += len(d)
	}
	if total > maxMergeBytes {
		return nil, fmt.Errorf("go: merge: documents are larger than %d bytes", maxMergeBytes)
	}
	t, err := parseTarget(path)
	if err != nil || len(docs) == 1 {
		return docs[0], nil
	}
	switch t.kind {
	case kindList:
		seen := map[string]bool{}
		var vs []string
		for _, d := range docs {
			for _, line := range strings.Split(string(d), "\n") {
				// A list line is a version, optionally followed by more fields.
				v, _, _ := strings.Cut(strings.TrimSpace(line), " ")
				if semver.IsValid(v) && !seen[v] {
					seen[v] = true
					vs = append(vs, v)
				}
			}
		}
		semver.Sort(vs)
		if len(vs) == 0 {
			return []byte{}, nil
		}
		return []byte(strings.Join(vs, "\n") + "\n"), nil
	case kindLatest:
		var best []byte
		bestV := ""
		for i, d := range docs {
			var info struct{ Version string }
			if err := json.Unmarshal(d, &info); err != nil || !semver.IsValid(info.Version) {
				return nil, fmt.Errorf("go: merge: document %d is not a version info", i+1)
			}
			if best == nil || better(info.Version, bestV) {
				best, bestV = d, info.Version
			}
		}
		return best, nil
	}
	return docs[0], nil
}
