package importer

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/keeper-registry/keeper/ports"
)

// Source is a live Artifactory instance read through its REST API
// (adapters/artifactory implements it over the egress guard).
type Source interface {
	// Repositories lists the instance's repositories with their types.
	Repositories(ctx context.Context) ([]SourceRepo, error)
	// Files calls each for every file of repo, in a stable order.
	Files(ctx context.Context, repo string, each func(SourceFile) error) error
	// Open downloads one file; the checksums are those the instance
	// announced with the body (its X-Checksum-* headers), empty when absent.
	Open(ctx context.Context, repo, path string) (io.ReadCloser, Checksums, error)
}

// Repository types of an Artifactory instance (its "type" field).
const (
	TypeLocal = "LOCAL"
)

// SourceRepo is one repository of the source.
type SourceRepo struct {
	Key         string `json:"key"`
	Type        string `json:"type"`         // LOCAL, REMOTE, VIRTUAL, FEDERATED
	PackageType string `json:"package_type"` // the source's name of the format, e.g. "Generic"
}

// Checksums of one file; empty fields are unknown.
type Checksums struct {
	SHA256 string `json:"sha256,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
	MD5    string `json:"md5,omitempty"`
}

// merge fills c's empty fields from o; a field both know and disagree on is an error.
func (c Checksums) merge(o Checksums) (Checksums, error) {
	pairs := []struct {
		name string
		a    *string
		b    string
	}{{"sha256", &c.SHA256, o.SHA256}, {"sha1", &c.SHA1, o.SHA1}, {"md5", &c.MD5, o.MD5}}
	for _, p := range pairs {
		switch {
		case p.b == "":
		case *p.a == "":
			*p.a = p.b
		case !strings.EqualFold(*p.a, p.b):
			return c, fmt.Errorf("the source lists %s %s but sent %s with the body: %w", p.name, *p.a, p.b, ErrChecksumMismatch)
		}
	}
	return c, nil
}

// SourceFile is one file of a source repository.
type SourceFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	Checksums
}

// ErrBadSource: the source's address or credentials are not usable.
var ErrBadSource = errors.New("importer: bad source")

// ErrChecksumMismatch: downloaded bytes do not match the checksums the source announced.
var ErrChecksumMismatch = errors.New("importer: checksum mismatch")

// RemoteOptions steer an import from a Source.
type RemoteOptions struct {
	Options
	// Repositories limits the import to these source keys (empty: all).
	Repositories []string
	// Security, when set, receives the source's users, groups and
	// permission targets after the files (the source must implement
	// SecuritySource).
	Security SecurityTarget
}

// RunSource imports every file of the source's local repositories into t.
// Remote and virtual repositories hold no files of their own (a cache and
// a view) and are reported as skipped. Each download is verified against
// every checksum the source announced (listing and response headers)
// while it streams into the target: a mismatch fails that file and stores
// nothing. Resumable: a file the target holds with the listed sha256 is
// skipped before it is downloaded, so a rerun does only what is left.
func RunSource(ctx context.Context, src Source, t Target, o RemoteOptions) (Report, error) {
	rep := Report{Items: []Item{}}
	repos, err := src.Repositories(ctx)
	if err != nil {
		return rep, fmt.Errorf("importer: list repositories: %w", err)
	}
	done := 0
	step := func(it Item, size int64) {
		rep.add(it, size)
		done++
		if o.Progress != nil {
			o.Progress(done, 0, it)
		}
	}
	for _, r := range repos {
		if len(o.Repositories) > 0 && !contains(o.Repositories, r.Key) {
			continue
		}
		key := r.Key
		if m, ok := o.Map[key]; ok {
			key = m
		}
		if !strings.EqualFold(r.Type, TypeLocal) {
			step(Item{Repository: key, Outcome: Skipped, Reason: fmt.Sprintf("a %s repository holds no files of its own: create it in Keeper with its upstream or members",
				strings.ToLower(r.Type))}, 0)
			continue
		}
		ok, err := t.RepositoryExists(ctx, key)
		if err != nil {
			return rep, fmt.Errorf("importer: repository %s: %w", key, err)
		}
		if !ok {
			step(Item{Repository: key, Outcome: Skipped, Reason: fmt.Sprintf("no repository %s on the server: create it first (format of the source: %s)", key, r.PackageType)}, 0)
			continue
		}
		var waiting []SourceFile
		err = src.Files(ctx, r.Key, func(f SourceFile) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			it := Item{Repository: key, Path: f.Path}
			if it.Outcome, it.Reason = importRemote(ctx, src, r.Key, key, f, t); it.Outcome == pending {
				waiting = append(waiting, f)
				return nil
			}
			step(it, f.Size)
			return nil
		})
		if err == nil {
			err = settle(ctx, waiting, func(f SourceFile) (string, string) { return importRemote(ctx, src, r.Key, key, f, t) },
				func(f SourceFile, outcome, reason string) {
					step(Item{Repository: key, Path: f.Path, Outcome: outcome, Reason: reason}, f.Size)
				})
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return rep, err
		}
		if err != nil {
			step(Item{Repository: key, Outcome: Failed, Reason: "list files: " + err.Error()}, 0)
		}
	}
	if o.Security != nil {
		sec, ok := src.(SecuritySource)
		if !ok {
			return rep, fmt.Errorf("importer: this source has no security API: %w", ErrBadSource)
		}
		if err := RunSecurity(ctx, sec, o.Security, o.Options, func(it Item) { step(it, 0) }); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func importRemote(ctx context.Context, src Source, from, to string, f SourceFile, t Target) (string, string) {
	stored, err := t.StoredSHA256(ctx, to, f.Path)
	if err != nil {
		return Failed, err.Error()
	}
	if stored != "" && f.SHA256 != "" {
		if strings.EqualFold(stored, f.SHA256) {
			return Skipped, "already stored with the same sha256"
		}
		return Skipped, "the server holds different content at this path"
	}
	if stored != "" {
		return Skipped, "the server already holds this path (the source lists no sha256 to compare)"
	}
	body, sent, err := src.Open(ctx, from, f.Path)
	if err != nil {
		return Failed, "download: " + err.Error()
	}
	defer body.Close()
	want, err := f.Checksums.merge(sent)
	if err != nil {
		return Failed, err.Error()
	}
	if want == (Checksums{}) {
		return Failed, "the source announced no checksum for this file: not imported unverified"
	}
	if err := UploadVerified(ctx, t, to, f.Path, body, f.Size, want); err != nil {
		var ce *ports.ConflictError
		var se *SkipError
		switch {
		case errors.As(err, &se):
			return Skipped, se.Reason
		case errors.As(err, &ce):
			return Skipped, ce.Message
		case errors.Is(err, ErrPending):
			return pending, err.Error()
		}
		return Failed, err.Error()
	}
	return Imported, ""
}

// UploadVerified uploads body into t while checking it against every
// checksum in want: a mismatch fails the read at its end, so the target
// stores nothing, and is returned (wrapping ErrChecksumMismatch) before
// the target's own error.
func UploadVerified(ctx context.Context, t Target, repo, path string, body io.Reader, size int64, want Checksums) error {
	vr := newVerifier(body, want)
	err := t.Upload(ctx, repo, path, vr, size, want)
	if vr.err != nil {
		return vr.err
	}
	return err
}

// verifier hashes what passes through and, at end of input, fails the
// read when a checksum differs, so the target stores nothing.
type verifier struct {
	r    io.Reader
	want Checksums
	hs   map[string]hash.Hash
	err  error
}

func newVerifier(r io.Reader, want Checksums) *verifier {
	v := &verifier{r: r, want: want, hs: map[string]hash.Hash{}}
	if want.SHA256 != "" {
		v.hs["sha256"] = sha256.New()
	}
	if want.SHA1 != "" {
		v.hs["sha1"] = sha1.New()
	}
	if want.MD5 != "" {
		v.hs["md5"] = md5.New()
	}
	return v
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	for _, h := range v.hs {
		h.Write(p[:n])
	}
	if errors.Is(err, io.EOF) {
		for _, c := range []struct{ name, want string }{{"sha256", v.want.SHA256}, {"sha1", v.want.SHA1}, {"md5", v.want.MD5}} {
			if c.want == "" {
				continue
			}
			if got := hex.EncodeToString(v.hs[c.name].Sum(nil)); !strings.EqualFold(got, c.want) {
				v.err = fmt.Errorf("the bytes have %s %s, the source recorded %s: %w", c.name, got, c.want, ErrChecksumMismatch)
				return n, v.err
			}
		}
	}
	return n, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
