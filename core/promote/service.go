package promote

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/keeper-registry/keeper/core/properties"
	"github.com/keeper-registry/keeper/ports"
)

// MaxFiles bounds one promotion.
const MaxFiles = 10_000

// MaxPaths bounds the explicit paths of one request.
const MaxPaths = 1000

// Deps are what a promotion needs. Files must be the same store the format
// dispatcher commits through (the wiring passes the caching store), so a
// promotion bumps the target's generation, queues search, scan,
// replication and webhook work in the same transaction, and retires cached
// index documents exactly as an upload does.
type Deps struct {
	Files ports.FileStore
	Props ports.PropertyStore
	// Gate, when set, may refuse a promotion the target repository's
	// quality gate fails (core/scan.Service.CheckPromotion).
	Gate Gate
}

// Gate judges a promotion's files for the target repository; an error
// (a *ports.ConflictError with the gate's reasons) refuses it.
type Gate interface {
	CheckPromotion(ctx context.Context, by ports.Subject, from, to ports.Repository, files []ports.File) error
}

// Service promotes.
type Service struct{ d Deps }

// New builds the service.
func New(d Deps) *Service { return &Service{d: d} }

// Request selects what to promote: Package (and Version, or every version)
// or Paths. Require holds property conditions ("key:value", "key") the
// selected artifacts must meet (see Service.Promote).
type Request struct {
	Package string
	Version string
	Paths   []string
	Move    bool
	Require []string
	DryRun  bool
	// By is who asks (the gate's audit record).
	By ports.Subject
}

// Result says what was (or, on a dry run, would be) promoted.
type Result struct {
	From     string   `json:"from"`
	To       string   `json:"to"`
	Move     bool     `json:"move"`
	DryRun   bool     `json:"dry_run"`
	Files    []string `json:"files"`
	Versions []string `json:"versions"`
	Bytes    int64    `json:"bytes"`
}

// Promote copies (or moves) the selected files of from into to, with the
// package versions they belong to and their properties; blobs are shared,
// no byte is copied. The callers have checked the subject's rights on both
// repositories. Both must be local (or staging) repositories of one format.
// A path or version the target already has is a conflict and nothing is
// written. Require holds when every selected file that carries a required
// key meets it and at least one file does (files a plugin derives, such as
// an index beside a wheel, usually carry no properties).
func (s *Service) Promote(ctx context.Context, from, to ports.Repository, req Request) (Result, error) {
	res := Result{From: from.Key, To: to.Key, Move: req.Move, DryRun: req.DryRun, Files: []string{}, Versions: []string{}}
	if err := checkRepos(from, to); err != nil {
		return res, err
	}
	files, err := s.selectFiles(ctx, from, req)
	if err != nil {
		return res, err
	}
	props := make(map[string]ports.Properties, len(files))
	for _, f := range files {
		p, err := s.d.Props.ArtifactProperties(ctx, from.ID, f.Path)
		if err != nil {
			return res, fmt.Errorf("promote: properties of %s: %w", f.Path, err)
		}
		props[f.Path] = p
	}
	if len(req.Require) > 0 {
		if err := checkRequire(files, props, req.Require); err != nil {
			return res, err
		}
	}
	versions, err := s.versions(ctx, from, files)
	if err != nil {
		return res, err
	}
	for _, f := range files {
		res.Files = append(res.Files, f.Path)
		res.Bytes += f.Size
		if _, err := s.d.Files.GetFile(ctx, to.ID, f.Path); err == nil {
			return res, &ports.ConflictError{Message: fmt.Sprintf("%s already has %s", to.Key, f.Path)}
		} else if !errors.Is(err, ports.ErrNotFound) {
			return res, fmt.Errorf("promote: %w", err)
		}
	}
	for _, v := range versions {
		res.Versions = append(res.Versions, v.Package+"@"+v.Version)
		if has, err := s.hasVersion(ctx, to, v.Package, v.Version); err != nil {
			return res, err
		} else if has {
			return res, &ports.ConflictError{Message: fmt.Sprintf("%s already has %s %s", to.Key, v.Package, v.Version)}
		}
	}
	if s.d.Gate != nil {
		if err := s.d.Gate.CheckPromotion(ctx, req.By, from, to, files); err != nil {
			return res, err
		}
	}
	if req.DryRun {
		return res, nil
	}
	ws := ports.WriteSet{}
	for _, f := range files {
		c := f
		c.ID, c.RepositoryID = 0, 0
		ws.Puts = append(ws.Puts, ports.FilePut{File: c})
	}
	for _, v := range versions {
		ws.Versions = append(ws.Versions, ports.VersionPut{Package: v.Package, Version: v.Version, Metadata: v.Metadata})
	}
	if _, err := s.d.Files.Apply(ctx, to.ID, ws); err != nil {
		return res, fmt.Errorf("promote: %w", err)
	}
	for _, f := range files {
		if p := props[f.Path]; len(p) > 0 {
			if _, err := s.d.Props.ChangeArtifactProperties(ctx, to.ID, f.Path, ports.PropertyChange{Set: p}); err != nil {
				return res, fmt.Errorf("promote: copy properties of %s: %w", f.Path, err)
			}
		}
	}
	if req.Move {
		del := ports.WriteSet{}
		for _, f := range files {
			del.Deletes = append(del.Deletes, f.Path)
		}
		if req.Package != "" && req.Version != "" {
			// The whole version left; a selection by path leaves versions alone.
			for _, v := range versions {
				del.Versions = append(del.Versions, ports.VersionPut{Package: v.Package, Version: v.Version, Delete: true})
			}
		}
		if _, err := s.d.Files.Apply(ctx, from.ID, del); err != nil {
			return res, fmt.Errorf("promote: remove from %s after copying: %w", from.Key, err)
		}
	}
	return res, nil
}

func checkRepos(from, to ports.Repository) error {
	hosted := func(r ports.Repository) bool { return r.Type == ports.RepoLocal || r.Type == ports.RepoStaging }
	switch {
	case from.ID == to.ID:
		return ports.Invalidf("to", "source and target are the same repository")
	case !hosted(from) || !hosted(to):
		return ports.Invalidf("to", "promotion works between local or staging repositories only")
	case from.Format != to.Format:
		return ports.Invalidf("to", "%s holds %s and %s holds %s: promotion keeps one format", from.Key, from.Format, to.Key, to.Format)
	}
	return nil
}

// selectFiles lists the files a request names, in path order.
func (s *Service) selectFiles(ctx context.Context, from ports.Repository, req Request) ([]ports.File, error) {
	switch {
	case req.Package != "" && len(req.Paths) > 0:
		return nil, ports.Invalidf("paths", "give a package (and version) or paths, not both")
	case len(req.Paths) > MaxPaths:
		return nil, ports.Invalidf("paths", "at most %d paths", MaxPaths)
	case req.Version != "" && req.Package == "":
		return nil, ports.Invalidf("version", "a version needs its package")
	}
	var out []ports.File
	if len(req.Paths) > 0 {
		seen := map[string]bool{}
		for _, p := range req.Paths {
			if seen[p] {
				continue
			}
			seen[p] = true
			f, err := s.d.Files.GetFile(ctx, from.ID, p)
			if errors.Is(err, ports.ErrNotFound) {
				return nil, fmt.Errorf("promote: %s has no %s: %w", from.Key, p, ports.ErrNotFound)
			}
			if err != nil {
				return nil, fmt.Errorf("promote: %w", err)
			}
			out = append(out, f)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
		return out, nil
	}
	if req.Package == "" {
		return nil, ports.Invalidf("package", "name a package (and version) or paths")
	}
	after := ""
	for {
		page, err := s.d.Files.ListFiles(ctx, from.ID, ports.FileListing{Package: req.Package, After: after, Limit: 500})
		if err != nil {
			return nil, fmt.Errorf("promote: %w", err)
		}
		for _, f := range page {
			if req.Version == "" || f.Version == req.Version {
				out = append(out, f)
			}
		}
		if len(out) > MaxFiles {
			return nil, ports.Invalidf("package", "more than %d files; promote versions one by one", MaxFiles)
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].Path
	}
	if len(out) == 0 {
		what := req.Package
		if req.Version != "" {
			what += " " + req.Version
		}
		return nil, fmt.Errorf("promote: %s has no files of %s: %w", from.Key, what, ports.ErrNotFound)
	}
	return out, nil
}

// versions returns the stored versions the files belong to.
func (s *Service) versions(ctx context.Context, from ports.Repository, files []ports.File) ([]ports.Version, error) {
	want := map[[2]string]bool{}
	for _, f := range files {
		if f.Package != "" && f.Version != "" {
			want[[2]string{f.Package, f.Version}] = true
		}
	}
	keys := make([][2]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
	var out []ports.Version
	for _, k := range keys {
		v, err := s.findVersion(ctx, from, k[0], k[1])
		if errors.Is(err, ports.ErrNotFound) {
			continue // a file with a version label but no version record: nothing to carry
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) hasVersion(ctx context.Context, r ports.Repository, pkg, version string) (bool, error) {
	_, err := s.findVersion(ctx, r, pkg, version)
	if errors.Is(err, ports.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// findVersion pages through pkg's versions (ordered by version string) to version.
func (s *Service) findVersion(ctx context.Context, r ports.Repository, pkg, version string) (ports.Version, error) {
	after := ""
	for {
		page, err := s.d.Files.ListVersions(ctx, r.ID, pkg, after, 500)
		if err != nil {
			return ports.Version{}, fmt.Errorf("promote: %w", err)
		}
		for _, v := range page {
			if v.Version == version {
				return v, nil
			}
		}
		if len(page) < 500 {
			return ports.Version{}, ports.ErrNotFound
		}
		after = page[len(page)-1].Version
	}
}

// checkRequire applies the property condition (see Promote).
func checkRequire(files []ports.File, props map[string]ports.Properties, require []string) error {
	matches, err := properties.ParseMatches(require)
	if err != nil {
		return err
	}
	for _, m := range matches {
		met := false
		for _, f := range files {
			p := props[f.Path]
			if _, has := p[m.Key]; !has {
				continue
			}
			if !properties.Satisfies(p, []ports.PropertyMatch{m}) {
				return &ports.ConflictError{Message: fmt.Sprintf("%s does not meet the condition on %s", f.Path, m.Key)}
			}
			met = true
		}
		if !met {
			return &ports.ConflictError{Message: fmt.Sprintf("no selected artifact has the property %s", m.Key)}
		}
	}
	return nil
}
