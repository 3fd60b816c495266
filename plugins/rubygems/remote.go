package rubygems

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"sort"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

var (
	_ sdk.Classifier = Plugin{}
	_ sdk.Merger     = Plugin{}
)

// maxMergeBytes bounds one member's document a merge reads.
const maxMergeBytes = 64 << 20

// Classify implements sdk.Classifier: a pushed .gem and its quick spec
// never change (a version cannot be pushed twice); the indexes do. No
// document names an absolute URL (clients join paths to the source URL),
// so remote repositories need no rewrite.
func (Plugin) Classify(path string) sdk.CacheClass {
	if strings.HasPrefix(path, "/gems/") && strings.HasSuffix(path, ".gem") ||
		strings.HasPrefix(path, "/quick/Marshal.4.8/") && strings.HasSuffix(path, ".gemspec.rz") {
		return sdk.Immutable
	}
	return sdk.Mutable
}

// Merge implements sdk.Merger for virtual repositories. A gem name
// resolves from the highest-priority member that has it, wholly: its
// versions, info document and specs come from that member only, so a lower
// member cannot add versions to a name a higher one owns (no dependency
// confusion), and /versions keeps the MD5 of exactly the /info document
// the virtual repository serves (the first member's).
func (Plugin) Merge(_ sdk.Host, path string, docs [][]byte) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("rubygems: nothing to merge")
	}
	for i, d := range docs {
		if len(d) > maxMergeBytes {
			return nil, fmt.Errorf("rubygems: member document %d is larger than %d bytes", i, maxMergeBytes)
		}
	}
	switch path {
	case "/versions":
		return mergeLines(docs, "created_at: 1970-01-01T00:00:00Z\n---\n"), nil
	case "/names":
		return mergeLines(docs, "---\n"), nil
	case "/specs.4.8.gz", "/latest_specs.4.8.gz", "/prerelease_specs.4.8.gz":
		return mergeSpecs(docs)
	}
	return docs[0], nil // /info/NAME and the rest: the first member's
}

// mergeLines merges compact index documents whose lines start with the
// gem name: the first member's line for a name wins; lines sorted by name.
func mergeLines(docs [][]byte, head string) []byte {
	seen := map[string]string{}
	for _, d := range docs {
		body := d
		if i := bytes.Index(d, []byte("---\n")); i >= 0 {
			body = d[i+4:]
		}
		for _, line := range strings.Split(string(body), "\n") {
			name, _, _ := strings.Cut(line, " ")
			if name == "" {
				continue
			}
			if _, ok := seen[name]; !ok {
				seen[name] = line
			}
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString(head)
	for _, n := range names {
		b.WriteString(seen[n] + "\n")
	}
	return b.Bytes()
}

// gunzip decompresses in the guest: host services are not available to
// merge calls. More than max bytes is an error.
func gunzip(b []byte, max int64) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > max {
		return nil, fmt.Errorf("more than %d bytes decompressed", max)
	}
	return out, nil
}

// mergeSpecs merges gzip'd Marshal spec indexes, a name's tuples coming
// from the first member that lists it.
func mergeSpecs(docs [][]byte) ([]byte, error) {
	owner := map[string]int{}
	var all []record
	for i, d := range docs {
		raw, err := gunzip(d, maxMergeBytes)
		if err != nil {
			return nil, fmt.Errorf("rubygems: member index %d is not gzip: %w", i, err)
		}
		rs, err := specTuplesOf(raw)
		if err != nil {
			return nil, fmt.Errorf("rubygems: member index %d: %w", i, err)
		}
		for _, r := range rs {
			if o, ok := owner[r.Name]; ok && o != i {
				continue
			}
			owner[r.Name] = i
			all = append(all, r)
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Name != all[j].Name {
			return all[i].Name < all[j].Name
		}
		return compareVersions(all[i].Version, all[j].Version) < 0
	})
	return gzipBytes(marshalSpecs(all))
}
