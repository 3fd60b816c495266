package signing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// Sealer seals private keys at rest (core/secret.Box).
type Sealer interface {
	Seal(plain []byte, context string) (string, error)
	Open(sealed, context string) (plain []byte, current bool, err error)
}

// Deps are the ports of the service; Audit and Clock may be nil.
type Deps struct {
	Store  ports.SigningKeyStore
	Crypto ports.SigningCrypto
	Sealer Sealer
	Repos  ports.RepositoryStore
	// Files, when set, records a repository's signing key as a write to the
	// repository, so its generation moves and every replica's cached signed
	// documents (keyed by generation) are dropped at once.
	Files ports.FileStore
	Audit *audit.Recorder
	Clock ports.Clock
}

// Service manages signing keys.
type Service struct {
	files  ports.FileStore
	store  ports.SigningKeyStore
	crypto ports.SigningCrypto
	sealer Sealer
	repos  ports.RepositoryStore
	audit  *audit.Recorder
	clock  ports.Clock
}

// New returns the service.
func New(d Deps) *Service {
	if d.Clock == nil {
		d.Clock = ports.SystemClock{}
	}
	return &Service{store: d.Store, crypto: d.Crypto, sealer: d.Sealer, repos: d.Repos, files: d.Files, audit: d.Audit, clock: d.Clock}
}

// Spec is what a new key is made from: Algorithm to generate one, or
// Private (an armored private key) to import one.
type Spec struct {
	Name      string
	Email     string
	Algorithm string
	Private   []byte
}

// validName is a file-name-safe key name.
var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// SealContext names the sealed private half of key id, so a sealed value
// cannot be moved to another key; the store uses it to re-seal after a
// rotation of the secrets key.
func SealContext(id string) string { return "signing-key:" + id }

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Service) record(ctx context.Context, by ports.Subject, action, target, outcome, detail string) {
	s.audit.By(ctx, by, action, target, outcome, detail)
}

// Create generates or imports a key, sealed before it is stored.
func (s *Service) Create(ctx context.Context, by ports.Subject, spec Spec) (ports.SigningKey, error) {
	name := strings.ToLower(strings.TrimSpace(spec.Name))
	if !validName.MatchString(name) {
		return ports.SigningKey{}, fmt.Errorf("signing: %w: name must be 1-63 of a-z 0-9 . _ - starting with a letter or digit", ports.ErrInvalid)
	}
	var m ports.KeyMaterial
	var err error
	switch {
	case len(spec.Private) > 0 && spec.Algorithm != "":
		return ports.SigningKey{}, fmt.Errorf("signing: %w: give either algorithm or private_key, not both", ports.ErrInvalid)
	case len(spec.Private) > 0:
		m, err = s.crypto.Import(spec.Private)
	default:
		email := spec.Email
		if email == "" {
			email = name + "@keeper.invalid"
		}
		m, err = s.crypto.Generate(spec.Algorithm, "Keeper signing key "+name, email)
	}
	if err != nil {
		s.record(ctx, by, "signing.key.create", "signing-key:"+name, audit.Failure, "")
		return ports.SigningKey{}, fmt.Errorf("signing: %w", err)
	}
	k, err := s.store1(ctx, by, name, m)
	if err != nil {
		return ports.SigningKey{}, err
	}
	how := "generated"
	if len(spec.Private) > 0 {
		how = "imported"
	}
	s.record(ctx, by, "signing.key.create", "signing-key:"+k.ID, audit.Success, how+" "+k.Algorithm+" "+k.Fingerprint)
	return k, nil
}

func (s *Service) store1(ctx context.Context, by ports.Subject, name string, m ports.KeyMaterial) (ports.SigningKey, error) {
	id := newID()
	sealed, err := s.sealer.Seal(m.Private, SealContext(id))
	clear(m.Private)
	if err != nil {
		return ports.SigningKey{}, fmt.Errorf("signing: seal: %w", err)
	}
	now := s.clock.Now()
	fp := strings.ToLower(m.Fingerprint)
	k := ports.SigningKey{ID: id, Name: name + "-" + fp[max(0, len(fp)-8):], Algorithm: m.Algorithm, Fingerprint: m.Fingerprint,
		UserID: m.UserID, Status: ports.KeyActive, PublicKey: m.PublicKey, SealedPrivate: sealed, CreatedBy: by.Username,
		CreatedAt: now, UpdatedAt: now}
	if err := s.store.SaveSigningKey(ctx, &k); err != nil {
		return ports.SigningKey{}, fmt.Errorf("signing: save key: %w", err)
	}
	return k, nil
}

// List returns every key (callers show only public fields).
func (s *Service) List(ctx context.Context) ([]ports.SigningKey, error) {
	return s.store.ListSigningKeys(ctx)
}

// Get returns one key.
func (s *Service) Get(ctx context.Context, id string) (ports.SigningKey, error) {
	return s.store.GetSigningKey(ctx, id)
}

// Rotate makes a new key of the same algorithm active in place of id: every
// repository signed by id is signed by the new key; id is retired (its
// public key stays published for verification until it is revoked).
func (s *Service) Rotate(ctx context.Context, by ports.Subject, id string) (ports.SigningKey, error) {
	old, err := s.store.GetSigningKey(ctx, id)
	if err != nil {
		return ports.SigningKey{}, err
	}
	if old.Status != ports.KeyActive {
		return ports.SigningKey{}, fmt.Errorf("signing: %w: key is %s, only an active key can be rotated", ports.ErrConflict, old.Status)
	}
	base := old.Name
	if i := strings.LastIndexByte(base, '-'); i > 0 {
		base = base[:i]
	}
	m, err := s.crypto.Generate(old.Algorithm, "Keeper signing key "+base, base+"@keeper.invalid")
	if err != nil {
		return ports.SigningKey{}, fmt.Errorf("signing: rotate: %w", err)
	}
	k, err := s.store1(ctx, by, base, m)
	if err != nil {
		return ports.SigningKey{}, err
	}
	old.Status, old.ReplacedBy, old.UpdatedAt = ports.KeyRetired, k.ID, s.clock.Now()
	if err := s.store.SaveSigningKey(ctx, &old); err != nil {
		return ports.SigningKey{}, fmt.Errorf("signing: retire key: %w", err)
	}
	using, err := s.reposUsing(ctx, old.ID)
	if err != nil {
		return ports.SigningKey{}, err
	}
	n, err := s.store.ReplaceRepoSigningKey(ctx, old.ID, k.ID)
	if err != nil {
		return ports.SigningKey{}, fmt.Errorf("signing: move repositories: %w", err)
	}
	if err := s.touchAll(ctx, using, k.ID); err != nil {
		return ports.SigningKey{}, err
	}
	s.record(ctx, by, "signing.key.rotate", "signing-key:"+old.ID, audit.Success, fmt.Sprintf("replaced by %s (%s), %d repositories", k.ID, k.Fingerprint, n))
	return k, nil
}

// Revoke stops a key from signing for good: repositories it signed have no
// key until an administrator configures one.
func (s *Service) Revoke(ctx context.Context, by ports.Subject, id string) (ports.SigningKey, error) {
	k, err := s.store.GetSigningKey(ctx, id)
	if err != nil {
		return ports.SigningKey{}, err
	}
	k.Status, k.UpdatedAt = ports.KeyRevoked, s.clock.Now()
	if err := s.store.SaveSigningKey(ctx, &k); err != nil {
		return ports.SigningKey{}, fmt.Errorf("signing: revoke: %w", err)
	}
	using, err := s.reposUsing(ctx, id)
	if err != nil {
		return ports.SigningKey{}, err
	}
	n, err := s.store.ReplaceRepoSigningKey(ctx, id, "")
	if err != nil {
		return ports.SigningKey{}, fmt.Errorf("signing: revoke: %w", err)
	}
	if err := s.touchAll(ctx, using, ""); err != nil {
		return ports.SigningKey{}, err
	}
	s.record(ctx, by, "signing.key.revoke", "signing-key:"+id, audit.Success, fmt.Sprintf("%d repositories unconfigured", n))
	return k, nil
}

// Delete removes a key (and every repository's use of it).
func (s *Service) Delete(ctx context.Context, by ports.Subject, id string) error {
	if _, err := s.store.GetSigningKey(ctx, id); err != nil {
		return err
	}
	using, err := s.reposUsing(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteSigningKey(ctx, id); err != nil {
		return fmt.Errorf("signing: delete: %w", err)
	}
	if err := s.touchAll(ctx, using, ""); err != nil {
		return err
	}
	s.record(ctx, by, "signing.key.delete", "signing-key:"+id, audit.Success, "")
	return nil
}

// SetRepoKey makes key id sign repository repo ("" removes the key). The
// key must be active and the repository must exist.
func (s *Service) SetRepoKey(ctx context.Context, by ports.Subject, repo, id string) error {
	if _, err := s.repos.GetRepository(ctx, repo); err != nil {
		return err
	}
	if id != "" {
		k, err := s.store.GetSigningKey(ctx, id)
		if errors.Is(err, ports.ErrNotFound) {
			return fmt.Errorf("signing: %w: no signing key %q", ports.ErrInvalid, id)
		}
		if err != nil {
			return err
		}
		if k.Status != ports.KeyActive {
			return fmt.Errorf("signing: %w: key %q is %s", ports.ErrInvalid, id, k.Status)
		}
	}
	if err := s.store.SetRepoSigningKey(ctx, repo, id); err != nil {
		return fmt.Errorf("signing: configure repository: %w", err)
	}
	if err := s.touch(ctx, repo, id); err != nil {
		return err
	}
	s.record(ctx, by, "signing.repository.configure", "repository:"+repo, audit.Success, "key "+id)
	return nil
}

// touchNamespace is the host's key-value namespace recording a repository's
// signing key (plugins' namespaces never start with "~").
const touchNamespace = "~signing"

// touch writes the repository's signing key id as one of its key-values:
// the write bumps the repository's generation, so documents signed with
// the old key are not served from any cache.
func (s *Service) touch(ctx context.Context, repo, id string) error {
	if s.files == nil {
		return nil
	}
	r, err := s.repos.GetRepository(ctx, repo)
	if err != nil {
		return err
	}
	if _, err := s.files.Apply(ctx, r.ID, ports.WriteSet{KVPuts: []ports.KV{{Namespace: touchNamespace, Key: "key", Value: []byte(id)}}}); err != nil {
		return fmt.Errorf("signing: record the repository's key: %w", err)
	}
	return nil
}

// reposUsing lists the repositories key id signs (none without Files: no
// generation to move then).
func (s *Service) reposUsing(ctx context.Context, id string) ([]string, error) {
	if s.files == nil {
		return nil, nil
	}
	as, err := s.Assignments(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range as {
		if a.KeyID == id {
			out = append(out, a.Repository)
		}
	}
	return out, nil
}

// Assignment says which key signs a repository.
type Assignment struct {
	Repository string
	KeyID      string
}

// Assignments lists every repository that has a signing key, in the
// repositories' order.
func (s *Service) Assignments(ctx context.Context) ([]Assignment, error) {
	var out []Assignment
	for off := 0; ; off += 500 {
		rs, total, err := s.repos.ListRepositories(ctx, ports.RepositoryFilter{}, ports.Page{Offset: off, Limit: 500})
		if err != nil {
			return nil, fmt.Errorf("signing: list repositories: %w", err)
		}
		for _, r := range rs {
			k, err := s.store.RepoSigningKey(ctx, r.Key)
			switch {
			case err == nil:
				out = append(out, Assignment{Repository: r.Key, KeyID: k})
			case !errors.Is(err, ports.ErrNotFound):
				return nil, fmt.Errorf("signing: key of %s: %w", r.Key, err)
			}
		}
		if len(rs) == 0 || off+500 >= total {
			return out, nil
		}
	}
}

// touchAll touches every repository of repos (see touch).
func (s *Service) touchAll(ctx context.Context, repos []string, id string) error {
	for _, r := range repos {
		if err := s.touch(ctx, r, id); err != nil && !errors.Is(err, ports.ErrNotFound) {
			return err
		}
	}
	return nil
}

// RepoKey returns the id of the key that signs repo, "" when none.
func (s *Service) RepoKey(ctx context.Context, repo string) (string, error) {
	id, err := s.store.RepoSigningKey(ctx, repo)
	if errors.Is(err, ports.ErrNotFound) {
		return "", nil
	}
	return id, err
}

// activeKey is the active key configured for repo, ErrNoSigningKey when none.
func (s *Service) activeKey(ctx context.Context, repo string) (ports.SigningKey, error) {
	id, err := s.RepoKey(ctx, repo)
	if err != nil {
		return ports.SigningKey{}, err
	}
	if id == "" {
		return ports.SigningKey{}, ports.ErrNoSigningKey
	}
	k, err := s.store.GetSigningKey(ctx, id)
	if errors.Is(err, ports.ErrNotFound) || err == nil && k.Status != ports.KeyActive {
		return ports.SigningKey{}, ports.ErrNoSigningKey
	}
	return k, err
}

func (s *Service) private(k ports.SigningKey) ([]byte, error) {
	p, _, err := s.sealer.Open(k.SealedPrivate, SealContext(k.ID))
	if err != nil {
		return nil, fmt.Errorf("signing: open key %s: %w", k.ID, err)
	}
	return p, nil
}

// Sign signs data with repo's key in form, recording who signed what.
func (s *Service) Sign(ctx context.Context, repo string, by ports.Subject, form ports.SignForm, data []byte) ([]byte, error) {
	k, err := s.activeKey(ctx, repo)
	if err != nil {
		return nil, err
	}
	p, err := s.private(k)
	if err != nil {
		return nil, err
	}
	sig, err := s.crypto.Sign(p, form, data)
	clear(p)
	sum := sha256.Sum256(data)
	detail := fmt.Sprintf("key %s (%s) %s sha256:%x %d bytes", k.ID, k.Fingerprint, form, sum, len(data))
	if err != nil {
		s.record(ctx, by, "signing.sign", "repository:"+repo, audit.Failure, detail)
		return nil, err
	}
	s.record(ctx, by, "signing.sign", "repository:"+repo, audit.Success, detail)
	return sig, nil
}

// PublicKey returns the public half of repo's key in form.
func (s *Service) PublicKey(ctx context.Context, repo string, form ports.KeyForm) (ports.PublicKey, error) {
	k, err := s.activeKey(ctx, repo)
	if err != nil {
		return ports.PublicKey{}, err
	}
	var data []byte
	if form == ports.KeyPGPArmored {
		data = k.PublicKey
	} else {
		p, err := s.private(k)
		if err != nil {
			return ports.PublicKey{}, err
		}
		data, err = s.crypto.Public(p, form)
		clear(p)
		if err != nil {
			return ports.PublicKey{}, err
		}
	}
	return ports.PublicKey{ID: k.ID, Name: k.Name, Fingerprint: k.Fingerprint, Data: data}, nil
}
