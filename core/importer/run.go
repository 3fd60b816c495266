package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/keeper-registry/keeper/ports"
)

// Target is the Keeper server being imported into (the CLI implements it
// over the API).
type Target interface {
	// RepositoryExists reports whether key exists (and the caller may see it).
	RepositoryExists(ctx context.Context, key string) (bool, error)
	// StoredSHA256 returns the sha256 of the file at path, "" when absent.
	StoredSHA256(ctx context.Context, repo, path string) (string, error)
	// Upload stores body at path; the server verifies the checksums given
	// and runs the format's plugin on it.
	Upload(ctx context.Context, repo, path string, body io.Reader, size int64, sums Checksums) error
	// SetProperties replaces the values of the keys in p on the artifact.
	SetProperties(ctx context.Context, repo, path string, p ports.Properties) error
}

// Outcome of one file.
const (
	Imported = "imported"
	Skipped  = "skipped"
	Failed   = "failed"
)

// Item is one file's outcome.
type Item struct {
	Repository string `json:"repository"`
	Path       string `json:"path"`
	Outcome    string `json:"outcome"`
	Reason     string `json:"reason,omitempty"`
}

// Report is what an import did.
type Report struct {
	Imported int    `json:"imported"`
	Skipped  int    `json:"skipped"`
	Failed   int    `json:"failed"`
	Bytes    int64  `json:"bytes"`
	Items    []Item `json:"items"`
}

func (r *Report) add(it Item, size int64) {
	switch it.Outcome {
	case Imported:
		r.Imported++
		r.Bytes += size
	case Skipped:
		r.Skipped++
	default:
		r.Failed++
	}
	r.Items = append(r.Items, it)
}

// Options steer an import.
type Options struct {
	// Map renames repositories: export key → Keeper key (absent: same key).
	Map map[string]string
	// Progress is called after each file (may be nil).
	Progress func(done, total int, it Item)
}

// Run imports every file of repos into t. It is resumable: a file the
// target already holds with the same sha256 is skipped, so a run that
// stopped midway is simply run again. A repository missing on the target
// is skipped whole (create it first, with its format). One file's failure
// is reported and the run goes on.
func Run(ctx context.Context, fsys fs.FS, repos []Repo, t Target, o Options) (Report, error) {
	rep := Report{Items: []Item{}}
	total := 0
	for _, r := range repos {
		total += len(r.Files)
	}
	done := 0
	step := func(it Item, size int64) {
		rep.add(it, size)
		done++
		if o.Progress != nil {
			o.Progress(done, total, it)
		}
	}
	for _, r := range repos {
		key := r.Key
		if m, ok := o.Map[key]; ok {
			key = m
		}
		ok, err := t.RepositoryExists(ctx, key)
		if err != nil {
			return rep, fmt.Errorf("importer: repository %s: %w", key, err)
		}
		var waiting []File
		for _, f := range r.Files {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			it := Item{Repository: key, Path: f.Path}
			if !ok {
				it.Outcome, it.Reason = Skipped, "no repository "+key+" on the server: create it first"
				step(it, f.Size)
				continue
			}
			if it.Outcome, it.Reason = importFile(ctx, fsys, key, f, t); it.Outcome == pending {
				waiting = append(waiting, f)
				continue
			}
			step(it, f.Size)
		}
		err = settle(ctx, waiting, func(f File) (string, string) { return importFile(ctx, fsys, key, f, t) },
			func(f File, outcome, reason string) {
				step(Item{Repository: key, Path: f.Path, Outcome: outcome, Reason: reason}, f.Size)
			})
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func importFile(ctx context.Context, fsys fs.FS, repo string, f File, t Target) (string, string) {
	if f.BadSums != "" {
		return Failed, "the export's checksums: " + f.BadSums
	}
	sums, err := fileSums(fsys, f.Source, f.Sums)
	if err != nil {
		return Failed, err.Error()
	}
	stored, err := t.StoredSHA256(ctx, repo, f.Path)
	if err != nil {
		return Failed, err.Error()
	}
	outcome, reason := Imported, ""
	switch {
	case stored == sums.SHA256:
		outcome, reason = Skipped, "already stored with the same sha256"
	case stored != "":
		return Skipped, "the server holds different content at this path"
	default:
		body, err := fsys.Open(f.Source)
		if err != nil {
			return Failed, "read: " + err.Error()
		}
		err = t.Upload(ctx, repo, f.Path, body, f.Size, sums)
		body.Close()
		var ce *ports.ConflictError
		var se *SkipError
		switch {
		case errors.As(err, &se):
			return Skipped, se.Reason
		case errors.As(err, &ce):
			return Skipped, ce.Message
		case errors.Is(err, ErrPending):
			return pending, err.Error()
		case err != nil:
			return Failed, err.Error()
		}
	}
	if len(f.Properties) > 0 {
		err := t.SetProperties(ctx, repo, f.Path, f.Properties)
		switch {
		case errors.Is(err, ports.ErrNotFound):
			// A format with its own protocol stores the file under its own
			// layout: the source's path holds nothing to label.
			reason = joinReason(reason, "properties not set: the repository stores the file under its own layout")
		case err != nil:
			return Failed, "properties: " + err.Error()
		}
	}
	if f.Problem != "" {
		reason = joinReason(reason, "imported without properties: "+f.Problem)
	}
	return outcome, reason
}

func joinReason(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// fileSums hashes the file and checks it against the checksums the export
// recorded; it returns them with the sha256 filled in.
func fileSums(fsys fs.FS, name string, want Checksums) (Checksums, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return want, fmt.Errorf("read: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	v := newVerifier(io.TeeReader(f, h), want)
	if _, err := io.Copy(io.Discard, v); err != nil {
		if v.err != nil {
			return want, v.err
		}
		return want, fmt.Errorf("read: %w", err)
	}
	want.SHA256 = hex.EncodeToString(h.Sum(nil))
	return want, nil
}

// ErrNoRepositories says the directory holds no repository folder.
var ErrNoRepositories = errors.New("importer: no repository folders found")
