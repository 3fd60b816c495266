package importer

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

// chainTarget stores a file only once the file it needs is stored, else
// answers as a plugin's StatusPending does; it knows no format.
type chainTarget struct {
	fakeTarget
	needs    map[string]string
	attempts map[string]int
}

func (c *chainTarget) Upload(ctx context.Context, repo, path string, body io.Reader, size int64, sums Checksums) error {
	c.attempts[path]++
	if dep, ok := c.needs[path]; ok && c.files[repo+"/"+dep] == nil {
		return fmt.Errorf("the repository answered %d: %s unknown: %w", StatusPending, dep, ErrPending)
	}
	return c.fakeTarget.Upload(ctx, repo, path, body, size, sums)
}

func newChain() (*chainTarget, map[string]string) {
	// Listed in name order, each file comes before the one it needs: an
	// index before its platform manifest before its blob.
	data := map[string]string{"a/index": "i", "b/platform": "p", "c/blob": "b", "d/orphan": "o", "e/plain": "x"}
	t := &chainTarget{fakeTarget: fakeTarget{repos: map[string]bool{"r": true}, files: map[string][]byte{}},
		needs:    map[string]string{"a/index": "b/platform", "b/platform": "c/blob", "d/orphan": "z/absent"},
		attempts: map[string]int{}}
	return t, data
}

func checkChain(t *testing.T, rep Report, tg *chainTarget) {
	t.Helper()
	if rep.Imported != 4 || rep.Failed != 1 || len(rep.Items) != 5 {
		t.Fatalf("report %+v", rep)
	}
	var order []string
	for _, it := range rep.Items {
		order = append(order, it.Path+"="+it.Outcome)
		if it.Path == "d/orphan" && !strings.Contains(it.Reason, "needs a file the source does not hold") {
			t.Fatalf("orphan reason %q", it.Reason)
		}
	}
	if got := strings.Join(order, " "); got != "c/blob=imported e/plain=imported b/platform=imported a/index=imported d/orphan=failed" {
		t.Fatalf("outcomes in order: %s", got)
	}
	// The index waits two passes; the orphan is tried again until a pass
	// imports nothing (the third); the others are sent once.
	want := map[string]int{"a/index": 3, "b/platform": 2, "c/blob": 1, "d/orphan": 4, "e/plain": 1}
	if fmt.Sprint(tg.attempts) != fmt.Sprint(want) {
		t.Fatalf("attempts %v, want %v", tg.attempts, want)
	}
}

// A file the plugin answers StatusPending is deployed again after the
// repository's other files, in passes while a pass imports something.
func TestRunRetriesPendingFiles(t *testing.T) {
	tg, data := newChain()
	fsys := fstest.MapFS{}
	for p, b := range data {
		fsys[p] = &fstest.MapFile{Data: []byte(b)}
	}
	repos, err := ScanOne(fsys, "r")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(t.Context(), fsys, repos, tg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkChain(t, rep, tg)
}

// listSource lists files in name order and serves their bytes.
type listSource map[string]string

func (s listSource) Repositories(context.Context) ([]SourceRepo, error) {
	return []SourceRepo{{Key: "r", Type: TypeLocal}}, nil
}

func (s listSource) Files(_ context.Context, _ string, each func(SourceFile) error) error {
	paths := make([]string, 0, len(s))
	for p := range s {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := each(SourceFile{Path: p, Size: int64(len(s[p])), Checksums: Checksums{SHA256: sum([]byte(s[p]))}}); err != nil {
			return err
		}
	}
	return nil
}

func (s listSource) Open(_ context.Context, _, p string) (io.ReadCloser, Checksums, error) {
	return io.NopCloser(strings.NewReader(s[p])), Checksums{}, nil
}

func TestRunSourceRetriesPendingFiles(t *testing.T) {
	tg, data := newChain()
	rep, err := RunSource(t.Context(), listSource(data), tg, RemoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkChain(t, rep, tg)
}
