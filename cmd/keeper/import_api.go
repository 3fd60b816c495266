package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/adapters/artifactory"
	"github.com/keeper-registry/keeper/adapters/bunstore"
	"github.com/keeper-registry/keeper/adapters/egress"
	httpapi "github.com/keeper-registry/keeper/adapters/http"
	"github.com/keeper-registry/keeper/core/artifact"
	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/core/config"
	"github.com/keeper-registry/keeper/core/dispatch"
	"github.com/keeper-registry/keeper/core/importer"
	"github.com/keeper-registry/keeper/core/jobs"
	"github.com/keeper-registry/keeper/core/plugin"
	"github.com/keeper-registry/keeper/core/properties"
	"github.com/keeper-registry/keeper/ports"
)

// importModule is the import API: imports from a live Artifactory instance
// run in the server, reaching it through the egress guard (docs/import.md).
var importModule = fx.Options(
	fx.Provide(newImports, func(j *importer.Jobs) httpapi.Imports { return j }),
	fx.Provide(httpapi.AsRoutes(httpapi.ImportRoutes), httpapi.AsRoutes(httpapi.ImportFileRoutes), newImportFiles),
	fx.Invoke(pruneImports),
)

// pruneImports deletes the reports of imports older than
// imports.retention, hourly, on one replica at a time (the job's lease).
func pruneImports(cfg config.Config, j *importer.Jobs, sched *jobs.Scheduler) {
	sched.Add(jobs.Job{Name: "imports.prune", Every: time.Hour, Timeout: time.Minute,
		Run: func(ctx context.Context) error { _, err := j.Prune(ctx, cfg.Imports.Retention); return err }})
}

func newImports(lc fx.Lifecycle, cfg config.Config, arts *artifact.Service, repos ports.RepositoryStore,
	m *plugin.Manager, props *properties.Service, db *bunstore.Store, policies ports.PolicyAdmin, rec *audit.Recorder, c ports.Clock,
	d *dispatch.Dispatcher) *importer.Jobs {
	guard := egress.Policy{AllowPrivateNetworks: cfg.Egress.AllowPrivateNetworks, AllowedHosts: cfg.Egress.AllowedHosts}
	run := func(ctx context.Context, s importer.Spec, progress func(importer.Item)) (importer.Report, error) {
		target := localTarget{arts: arts, repos: repos, plugins: m, props: props,
			native: importer.NativeDeployer{Mounts: d, By: s.By}, rec: rec, by: s.By}
		src, err := artifactory.New(ctx, artifactory.Config{URL: s.URL, Token: s.Token, User: s.User, Password: s.Password}, guard)
		if err != nil {
			return importer.Report{}, err
		}
		o := importer.RemoteOptions{Repositories: s.Repositories,
			Options: importer.Options{Map: s.Map, Progress: func(_, _ int, it importer.Item) { progress(it) }}}
		if s.Security {
			o.Security = securityTarget{users: db, groups: db, policies: policies, rec: rec, by: s.By}
		}
		return importer.RunSource(ctx, src, target, o)
	}
	jobs := importer.NewJobs(run, db, c, slog.Default().With("room", "import"))
	lc.Append(fx.StopHook(jobs.Close))
	return jobs
}

// importFiles deploys the files of an export directory the CLI sends one
// by one, through the same target as a live import.
type importFiles struct {
	target localTarget
	mounts importer.Mounts
}

var _ httpapi.ImportFiles = importFiles{}

func newImportFiles(arts *artifact.Service, repos ports.RepositoryStore, m *plugin.Manager, props *properties.Service,
	rec *audit.Recorder, d *dispatch.Dispatcher) httpapi.ImportFiles {
	return importFiles{target: localTarget{arts: arts, repos: repos, plugins: m, props: props, rec: rec}, mounts: d}
}

// DeployFile stores one file as the importing administrator, verified
// against the checksums the export recorded.
func (f importFiles) DeployFile(ctx context.Context, by ports.Subject, repo, p string, body io.Reader, sums importer.Checksums) error {
	t := f.target
	t.native, t.by = importer.NativeDeployer{Mounts: f.mounts, By: by}, by
	return importer.UploadVerified(ctx, t, repo, p, body, -1, sums)
}

// localTarget is the importer's Target inside the server: the same
// services (and the same checks) as the artifacts API.
type localTarget struct {
	arts    *artifact.Service
	repos   ports.RepositoryStore
	plugins *plugin.Manager
	props   *properties.Service
	// native deploys into formats that take files only through their own
	// protocol (the plugin's deploy by path); nil outside the server.
	native importer.Deployer
	// rec audits each native deploy as done by the importing administrator.
	rec *audit.Recorder
	by  ports.Subject
}

var _ importer.Target = localTarget{}

func (t localTarget) RepositoryExists(ctx context.Context, key string) (bool, error) {
	_, err := t.repos.GetRepository(ctx, key)
	if errors.Is(err, ports.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (t localTarget) StoredSHA256(ctx context.Context, key, p string) (string, error) {
	r, err := t.repos.GetRepository(ctx, key)
	if err != nil {
		return "", err
	}
	f, err := t.arts.Get(ctx, r, p)
	if errors.Is(err, ports.ErrNotFound) {
		return "", nil
	}
	return f.SHA256, err
}

// Upload stores a file like PUT /api/v1/repositories/{key}/artifacts/{path}
// into formats whose plugin validates plain files, every checksum
// verified. The other formats keep indexes a bare file would bypass: the
// file goes to the format's own mount as a deploy by path, and the plugin
// indexes it (or refuses it) as its native publish does. Their source's
// own index folders (hidden ones, such as Artifactory's .npm/) are left
// out: Keeper renders its own.
func (t localTarget) Upload(ctx context.Context, key, p string, body io.Reader, _ int64, sums importer.Checksums) error {
	r, err := t.repos.GetRepository(ctx, key)
	if err != nil {
		return err
	}
	validates, err := t.validates(r)
	if err != nil {
		return err
	}
	if !validates {
		if t.native == nil {
			return fmt.Errorf("%q repositories take uploads only through the format's own protocol", r.Format)
		}
		for _, seg := range strings.Split(p, "/") {
			if strings.HasPrefix(seg, ".") {
				return &importer.SkipError{Reason: "the source's own index files: Keeper renders its own"}
			}
		}
		if err := t.native.Deploy(ctx, r, p, body); err != nil {
			return err
		}
		if t.rec != nil {
			t.rec.By(ctx, t.by, "artifact.write", key+"/"+p, audit.Success, "imported by path")
		}
		return nil
	}
	_, err = t.arts.Put(ctx, artifact.Upload{RepoKey: key, Path: p, ContentType: artifact.ContentTypeOf(p), Body: body,
		Expect: artifact.Expect{SHA256: sums.SHA256, SHA1: sums.SHA1, MD5: sums.MD5}})
	return err
}

// validates reports whether r's format plugin validates plain files.
func (t localTarget) validates(r ports.Repository) (bool, error) {
	for _, f := range t.plugins.Formats() {
		if f.Key != r.Format {
			continue
		}
		p, err := t.plugins.Get(f.PluginID)
		if err != nil {
			return false, err
		}
		return slices.Contains(p.Capabilities, ports.CapValidate), nil
	}
	return false, fmt.Errorf("no plugin serves the format %q", r.Format)
}

func (t localTarget) SetProperties(ctx context.Context, key, p string, set ports.Properties) error {
	r, err := t.repos.GetRepository(ctx, key)
	if err != nil {
		return err
	}
	_, err = t.props.ChangeArtifact(ctx, r, p, ports.PropertyChange{Set: set})
	return err
}

// securityTarget creates imported users (without passwords), groups and
// policy rules through the stores and the policy admin the API uses, and
// audits each change as done by the administrator who started the import.
type securityTarget struct {
	users    ports.UserStore
	groups   ports.GroupStore
	policies ports.PolicyAdmin
	rec      *audit.Recorder
	by       ports.Subject
}

var _ importer.SecurityTarget = securityTarget{}

func (t securityTarget) EnsureUser(ctx context.Context, u importer.SourceUser) (bool, error) {
	if _, err := t.users.GetUserByName(ctx, u.Name); err == nil {
		return false, nil
	} else if !errors.Is(err, ports.ErrNotFound) {
		return false, err
	}
	// No password hash: a password login is refused until an administrator
	// sets one; directory and SSO sign-ins work as for any user.
	nu := ports.User{Username: u.Name, Email: u.Email, DisplayName: u.Name, IsAdmin: u.Admin}
	if err := t.users.CreateUser(ctx, &nu); err != nil {
		return false, err
	}
	t.rec.By(ctx, t.by, "user.create", nu.Username, audit.Success, fmt.Sprintf("imported admin=%v without a password", nu.IsAdmin))
	return true, nil
}

func (t securityTarget) findGroup(ctx context.Context, name string) (ports.Group, error) {
	for off := 0; ; off += 100 {
		gs, total, err := t.groups.ListGroups(ctx, ports.Page{Offset: off, Limit: 100})
		if err != nil {
			return ports.Group{}, err
		}
		for _, g := range gs {
			if g.Name == name {
				return g, nil
			}
		}
		if len(gs) == 0 || off+100 >= total {
			return ports.Group{}, fmt.Errorf("group %q: %w", name, ports.ErrNotFound)
		}
	}
}

func (t securityTarget) EnsureGroup(ctx context.Context, g importer.SourceGroup, members []string) (bool, error) {
	created := false
	grp, err := t.findGroup(ctx, g.Name)
	if errors.Is(err, ports.ErrNotFound) {
		grp = ports.Group{Name: g.Name, Description: g.Description}
		if err = t.groups.CreateGroup(ctx, &grp); err != nil {
			return false, err
		}
		t.rec.By(ctx, t.by, "group.create", grp.Name, audit.Success, "imported")
		created = true
	} else if err != nil {
		return false, err
	}
	ids, err := t.groups.GroupMembers(ctx, grp.ID)
	if err != nil {
		return created, err
	}
	for _, name := range members {
		u, err := t.users.GetUserByName(ctx, name)
		if err != nil {
			continue // not imported: reported with the user
		}
		if !slices.Contains(ids, u.ID) {
			ids = append(ids, u.ID)
		}
	}
	if err := t.groups.SetGroupMembers(ctx, grp.ID, ids); err != nil {
		return created, err
	}
	t.rec.By(ctx, t.by, "group.members", grp.Name, audit.Success, fmt.Sprintf("imported: %d members", len(ids)))
	return created, nil
}

func (t securityTarget) AddRules(ctx context.Context, rules []ports.PolicyRule) error {
	have, _, err := t.policies.Rules(ctx)
	if err != nil {
		return err
	}
	all := append([]ports.PolicyRule{}, have...)
	for _, r := range rules {
		if !slices.Contains(all, r) {
			all = append(all, r)
		}
	}
	if len(all) == len(have) {
		return nil
	}
	v, err := t.policies.Replace(ctx, all)
	if err != nil {
		return err
	}
	t.rec.By(ctx, t.by, "policy.replace", "policy", audit.Success, fmt.Sprintf("imported %d rules, version %d", len(all)-len(have), v))
	return nil
}
