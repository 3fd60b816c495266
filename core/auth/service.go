package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/keeper-registry/keeper/core/audit"
	"github.com/keeper-registry/keeper/ports"
)

// ErrBadCredentials: unknown user, wrong password or disabled account.
var ErrBadCredentials = errors.New("invalid username or password")

// ErrLocked: too many failed password checks from the caller's address;
// it is refused for a while (the same answer whether the account exists).
var ErrLocked = errors.New("too many failed sign-in attempts from your address; try again later")

// AdminUser is the bootstrap administrator's name.
const AdminUser = "admin"

// TokenPrefix starts every API token, so secret scanners can find leaked ones.
const TokenPrefix = "kpr_"

// Service logs users in and turns credentials into Subjects.
type Service struct {
	users      ports.UserStore
	tokens     ports.TokenStore
	hasher     ports.PasswordHasher
	clock      ports.Clock
	key        []byte
	accessTTL  time.Duration
	refreshTTL time.Duration

	// Set by Configure; all optional.
	sessions    ports.SessionStore
	groups      ports.GroupStore
	audit       *audit.Recorder
	lockAfter   int
	lockFor     time.Duration
	forceAdmin  bool
	pool        *hashPool
	verified    *verifyCache
	minPassword int
	// external authenticators (LDAP…) tried for users without a local password; see external.go.
	external []ExternalAuthenticator
	// attempts counts failed password checks; decoy is verified for accounts without one (attempts.go, password.go).
	attempts  AttemptStore
	decoyOnce sync.Once
	decoy     string
	// two-factor sign-in (twofactor.go); requireAdminTOTP holds administrators to enrolling.
	twoFactor        TwoFactorStore
	otp              OneTimePasswords
	requireAdminTOTP bool
	// cache holds verified bearer credentials; notifier spreads revocations (principalcache.go).
	cache      *principalCache
	notifier   ports.Notifier
	unsub      func()
	offlineTTL time.Duration
	// throttle refuses checks from addresses that sent bad credentials (throttle.go).
	throttle FailureThrottle
}

// Options configures a Service.
type Options struct {
	AccessTTL  time.Duration
	RefreshTTL time.Duration
}

// Extras are the identity features beyond password and token checks.
type Extras struct {
	// Sessions makes refresh tokens rotate with reuse detection, and enables
	// logout and revoke-all; without it refresh tokens are stateless.
	Sessions ports.SessionStore
	// Groups fills Subject.Groups so policies can grant rights to groups.
	Groups ports.GroupStore
	Audit  *audit.Recorder
	// Attempts counts failed password checks per (account, source) for
	// every replica; nil disables lockout.
	Attempts AttemptStore
	// LockAfter failed password checks from one source lock that account
	// for that source for LockFor, doubling with each further failure
	// (defaults 5 and 15m; negative disables). A source failing ten times
	// that often over all accounts is locked out of every account.
	LockAfter int
	LockFor   time.Duration
	// ForceAdminPasswordChange makes the bootstrap admin change its password
	// at first login even when the operator chose it (a generated one always must).
	ForceAdminPasswordChange bool
	// VerifyCacheTTL keeps successful password checks for Basic-auth clients (default 1m; negative disables).
	VerifyCacheTTL time.Duration
	// MinPasswordLength for new passwords (default 8).
	MinPasswordLength int
	// TwoFactor and OTP enable TOTP two-factor sign-in (twofactor.go);
	// RequireTOTPForAdmins makes administrators enrol before anything else.
	TwoFactor            TwoFactorStore
	OTP                  OneTimePasswords
	RequireTOTPForAdmins bool
	// Notifier announces revocations to the other replicas; nil means a
	// single process.
	Notifier ports.Notifier
	// CredentialCacheTTL bounds how long a verified bearer credential is
	// trusted without a database read when no revocation notice arrives
	// (default 30s; negative disables the cache).
	CredentialCacheTTL time.Duration
	// OfflineTokenTTL is the lifetime of offline (refresh) tokens minted by
	// token services (default: the refresh-token lifetime, else 7 days).
	OfflineTokenTTL time.Duration
}

// NewService loads (or creates, once for all replicas) the token signing key.
func NewService(ctx context.Context, users ports.UserStore, tokens ports.TokenStore, settings ports.SettingStore,
	hasher ports.PasswordHasher, clock ports.Clock, o Options) (*Service, error) {
	def := make([]byte, 32)
	if _, err := rand.Read(def); err != nil {
		return nil, fmt.Errorf("auth: signing key: %w", err)
	}
	key, err := settings.GetOrCreateSetting(ctx, "auth.signing_key", []byte(hex.EncodeToString(def)))
	if err != nil {
		return nil, fmt.Errorf("auth: signing key: %w", err)
	}
	s := &Service{users: users, tokens: tokens, hasher: hasher, clock: clock, key: key,
		accessTTL: o.AccessTTL, refreshTTL: o.RefreshTTL, pool: sharedPool()}
	s.Configure(Extras{})
	return s, nil
}

// Configure sets the optional identity features; call it before serving.
func (s *Service) Configure(x Extras) *Service {
	s.sessions, s.groups, s.audit, s.forceAdmin = x.Sessions, x.Groups, x.Audit, x.ForceAdminPasswordChange
	s.lockAfter, s.lockFor, s.attempts = x.LockAfter, x.LockFor, x.Attempts
	s.twoFactor, s.otp, s.requireAdminTOTP = x.TwoFactor, x.OTP, x.RequireTOTPForAdmins && x.TwoFactor != nil && x.OTP != nil
	if s.lockAfter == 0 {
		s.lockAfter = 5
	}
	if s.lockFor <= 0 {
		s.lockFor = 15 * time.Minute
	}
	ttl := x.VerifyCacheTTL
	if ttl == 0 {
		ttl = time.Minute
	}
	s.verified = newVerifyCache(s.key, ttl)
	s.minPassword = x.MinPasswordLength
	if s.minPassword <= 0 {
		s.minPassword = 8
	}
	cacheTTL := x.CredentialCacheTTL
	if cacheTTL == 0 {
		cacheTTL = 30 * time.Second
	}
	s.cache = newPrincipalCache(cacheTTL)
	s.offlineTTL = x.OfflineTokenTTL
	if s.offlineTTL <= 0 {
		s.offlineTTL = s.refreshTTL
	}
	if s.offlineTTL <= 0 {
		s.offlineTTL = 7 * 24 * time.Hour
	}
	if s.unsub != nil {
		s.unsub()
		s.unsub = nil
	}
	s.notifier = x.Notifier
	if s.notifier != nil {
		cache := s.cache
		s.unsub = s.notifier.Subscribe(RevocationTopic, func(string) { cache.clear() })
	}
	return s
}

// Audit returns the recorder (nil-safe to use).
func (s *Service) Audit() *audit.Recorder { return s.audit }

// Session is what a successful login returns.
type Session struct {
	AccessToken        string `json:"access_token"`
	RefreshToken       string `json:"refresh_token"`
	ExpiresIn          int64  `json:"expires_in"`
	TokenType          string `json:"token_type"`
	MustChangePassword bool   `json:"must_change_password,omitempty"`
	// MustEnrolTOTP: the session may only turn on two-factor sign-in.
	MustEnrolTOTP bool `json:"must_enrol_totp,omitempty"`
}

// EnsureAdmin creates the bootstrap admin if no user of that name exists. With
// an empty password one is generated and returned (to be printed once); the
// admin must then change it at first login. A chosen password that breaks
// the password rules (KEEPER_ADMIN_PASSWORD=a) is accepted, so a server can
// still start, but only for signing in once to choose a proper one.
func (s *Service) EnsureAdmin(ctx context.Context, password string) (generated string, err error) {
	if _, err := s.users.GetUserByName(ctx, AdminUser); err == nil {
		return "", nil
	} else if !errors.Is(err, ports.ErrNotFound) {
		return "", fmt.Errorf("auth: look up admin: %w", err)
	}
	mustChange := s.forceAdmin
	if password == "" {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		password = hex.EncodeToString(b)
		generated, mustChange = password, true
	} else if err := s.passwordRules(password); err != nil {
		slog.WarnContext(ctx, "auth: the bootstrap admin password breaks the password rules; it must be changed at first sign-in", "rule", err)
		mustChange = true
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return "", err
	}
	u := ports.User{Username: AdminUser, DisplayName: "Administrator", PasswordHash: hash, IsAdmin: true,
		MustChangePassword: mustChange, CreatedAt: s.clock.Now(), UpdatedAt: s.clock.Now()}
	if err := s.users.CreateUser(ctx, &u); err != nil {
		if errors.Is(err, ports.ErrConflict) { // another replica won the race
			return "", nil
		}
		return "", fmt.Errorf("auth: create admin: %w", err)
	}
	return generated, nil
}

// Principal is an authenticated caller and what it must do first.
type Principal struct {
	Subject            ports.Subject
	MustChangePassword bool
	// MustEnrolTOTP: an administrator who must turn on two-factor sign-in first.
	MustEnrolTOTP bool
}

// SubjectFromBearer turns a session JWT or an API token into a Subject.
func (s *Service) SubjectFromBearer(ctx context.Context, token string) (ports.Subject, error) {
	p, err := s.PrincipalFromBearer(ctx, token)
	return p.Subject, err
}

// SubjectFromBasic accepts a password, or an API token given as the password
// (with any username, e.g. twine's __token__).
func (s *Service) SubjectFromBasic(ctx context.Context, username, password string) (ports.Subject, error) {
	p, err := s.PrincipalFromBasic(ctx, username, password)
	return p.Subject, err
}

// PrincipalFromBearer is SubjectFromBearer with the password-change flag.
// A credential verified once is cached (see principalcache.go) until it
// expires, is revoked, or the cache's TTL passes.
func (s *Service) PrincipalFromBearer(ctx context.Context, token string) (Principal, error) {
	now := s.clock.Now()
	if p, ok := s.cache.get(token, now); ok {
		return p, nil
	}
	if err := s.admit(ctx); err != nil {
		return Principal{Subject: Anonymous}, err
	}
	gen := s.cache.generation()
	var p Principal
	var until time.Time
	var err error
	if strings.HasPrefix(token, TokenPrefix) {
		p, until, err = s.principalFromAPIToken(ctx, token, now)
	} else {
		p, until, err = s.principalFromJWT(ctx, token, now)
	}
	if err != nil {
		s.noteFailure(ctx, err)
		return Principal{Subject: Anonymous}, err
	}
	s.cache.put(token, p, until, now, gen)
	return p, nil
}

// principalFromJWT checks an access token, the login it belongs to and the
// credential it was derived from; it returns when the answer stops holding.
func (s *Service) principalFromJWT(ctx context.Context, token string, now time.Time) (Principal, time.Time, error) {
	anon := Principal{Subject: Anonymous}
	c, err := parseJWT(s.key, token, now)
	if err != nil {
		return anon, time.Time{}, err
	}
	if c.Type == claimAnonymous {
		return anon, time.Unix(c.ExpiresAt, 0), nil // a token that authenticates nobody
	}
	if c.Type != "access" {
		return anon, time.Time{}, ErrBadToken
	}
	if c.Family != "" && s.sessions != nil {
		revoked, err := s.sessions.FamilyRevoked(ctx, c.Family)
		if err != nil {
			return anon, time.Time{}, lookupFailed("session state", err)
		}
		if revoked {
			return anon, time.Time{}, ErrBadToken
		}
	}
	if c.TokenID != 0 && c.Parent == "" { // minted before tokens named their parent
		return anon, time.Time{}, ErrBadToken
	}
	if err := s.parentAlive(ctx, c.Parent, now, 0); err != nil {
		return anon, time.Time{}, err
	}
	u, err := s.activeUser(ctx, c.UserID)
	if err != nil {
		return anon, time.Time{}, err
	}
	sub, err := s.subjectOf(ctx, u)
	if err != nil {
		return anon, time.Time{}, err
	}
	if c.Family != "" {
		sub.Parent = "session:" + c.Family
	}
	if c.Parent != "" {
		sub.Parent = c.Parent
	}
	if c.ParentExpires != 0 {
		sub.Expires = time.Unix(c.ParentExpires, 0)
	}
	if c.TokenID != 0 || c.Derived {
		sub.TokenID, sub.Scopes, sub.Repos = c.TokenID, c.Scopes, c.Repos
		if sub.Scopes == nil {
			sub.Scopes = []string{}
		}
	}
	return Principal{Subject: sub, MustChangePassword: u.MustChangePassword, MustEnrolTOTP: c.MustEnrol}, time.Unix(c.ExpiresAt, 0), nil
}

// PrincipalFromBasic is SubjectFromBasic with the password-change flag.
func (s *Service) PrincipalFromBasic(ctx context.Context, username, password string) (Principal, error) {
	if strings.HasPrefix(password, TokenPrefix) || LooksLikeJWT(password) {
		return s.PrincipalFromBearer(ctx, password)
	}
	u, err := s.checkPassword(ctx, username, password)
	if err != nil {
		return Principal{Subject: Anonymous}, err
	}
	if err := s.passwordOnlyAllowed(ctx, u); err != nil {
		return Principal{Subject: Anonymous}, err
	}
	sub, err := s.subjectOf(ctx, u)
	return Principal{Subject: sub, MustChangePassword: u.MustChangePassword}, err
}

// Limited reports whether a subject's rights are cut down to scopes (an API
// token, or a credential a token service minted): such a caller may not mint
// tokens nor manage the account without the matching scope.
func Limited(s ports.Subject) bool { return s.TokenID != 0 || s.Scopes != nil }

// SubjectOf builds the Subject of a stored user (with its groups).
func (s *Service) SubjectOf(ctx context.Context, u ports.User) (ports.Subject, error) {
	return s.subjectOf(ctx, u)
}

func (s *Service) subjectOf(ctx context.Context, u ports.User) (ports.Subject, error) {
	sub := ports.Subject{UserID: u.ID, Username: u.Username, IsAdmin: u.IsAdmin}
	if s.groups != nil {
		g, err := s.groups.UserGroups(ctx, u.ID)
		if err != nil {
			return Anonymous, lookupFailed("groups of "+u.Username, err)
		}
		sub.Groups = g
	}
	return sub, nil
}

func (s *Service) record(ctx context.Context, actor string, actorID int64, action, outcome, detail string) {
	s.audit.Record(ctx, ports.AuditEvent{Actor: actor, ActorID: actorID, Action: action, Target: actor, Outcome: outcome, Detail: detail})
}
