package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/keeper-registry/keeper/ports"
)

// ErrBadCredentials: unknown user, wrong password or disabled account.
var ErrBadCredentials = errors.New("invalid username or password")

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
}

// Options configures a Service.
type Options struct {
	AccessTTL  time.Duration
	RefreshTTL time.Duration
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
	return &Service{users: users, tokens: tokens, hasher: hasher, clock: clock, key: key,
		accessTTL: o.AccessTTL, refreshTTL: o.RefreshTTL}, nil
}

// Session is what a successful login returns.
type Session struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// EnsureAdmin creates the bootstrap admin if no user of that name exists. With
// an empty password one is generated and returned (to be printed once).
func (s *Service) EnsureAdmin(ctx context.Context, password string) (generated string, err error) {
	if _, err := s.users.GetUserByName(ctx, AdminUser); err == nil {
		return "", nil
	} else if !errors.Is(err, ports.ErrNotFound) {
		return "", fmt.Errorf("auth: look up admin: %w", err)
	}
	if password == "" {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		password = hex.EncodeToString(b)
		generated = password
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return "", err
	}
	u := ports.User{Username: AdminUser, DisplayName: "Administrator", PasswordHash: hash, IsAdmin: true,
		CreatedAt: s.clock.Now(), UpdatedAt: s.clock.Now()}
	if err := s.users.CreateUser(ctx, &u); err != nil {
		if errors.Is(err, ports.ErrConflict) { // another replica won the race
			return "", nil
		}
		return "", fmt.Errorf("auth: create admin: %w", err)
	}
	return generated, nil
}

// Login checks a username and password and opens a session.
func (s *Service) Login(ctx context.Context, username, password string) (Session, error) {
	u, err := s.checkPassword(ctx, username, password)
	if err != nil {
		return Session{}, err
	}
	return s.session(u)
}

// Refresh exchanges a refresh token for a new session.
func (s *Service) Refresh(ctx context.Context, refresh string) (Session, error) {
	c, err := parseJWT(s.key, refresh, s.clock.Now())
	if err != nil || c.Type != "refresh" {
		return Session{}, ErrBadToken
	}
	u, err := s.users.GetUser(ctx, c.UserID)
	if err != nil || u.Disabled {
		return Session{}, ErrBadToken
	}
	return s.session(u)
}

func (s *Service) session(u ports.User) (Session, error) {
	now := s.clock.Now()
	access, err := signJWT(s.key, Claims{Subject: u.Username, UserID: u.ID, Admin: u.IsAdmin, Type: "access",
		IssuedAt: now.Unix(), ExpiresAt: now.Add(s.accessTTL).Unix()})
	if err != nil {
		return Session{}, err
	}
	jti := make([]byte, 12)
	_, _ = rand.Read(jti)
	refresh, err := signJWT(s.key, Claims{Subject: u.Username, UserID: u.ID, Type: "refresh", ID: hex.EncodeToString(jti),
		IssuedAt: now.Unix(), ExpiresAt: now.Add(s.refreshTTL).Unix()})
	if err != nil {
		return Session{}, err
	}
	return Session{AccessToken: access, RefreshToken: refresh, ExpiresIn: int64(s.accessTTL.Seconds()), TokenType: "Bearer"}, nil
}

func (s *Service) checkPassword(ctx context.Context, username, password string) (ports.User, error) {
	u, err := s.users.GetUserByName(ctx, username)
	if errors.Is(err, ports.ErrNotFound) {
		return u, ErrBadCredentials
	}
	if err != nil {
		return u, fmt.Errorf("auth: look up user: %w", err)
	}
	if u.Disabled || u.PasswordHash == "" {
		return u, ErrBadCredentials
	}
	ok, err := s.hasher.Verify(u.PasswordHash, password)
	if err != nil {
		slog.WarnContext(ctx, "auth: stored password hash unreadable", "user", username, "err", err)
		return u, ErrBadCredentials
	}
	if !ok {
		return u, ErrBadCredentials
	}
	return u, nil
}

// SubjectFromBearer turns a session JWT or an API token into a Subject.
func (s *Service) SubjectFromBearer(ctx context.Context, token string) (ports.Subject, error) {
	if strings.HasPrefix(token, TokenPrefix) {
		return s.subjectFromAPIToken(ctx, token)
	}
	c, err := parseJWT(s.key, token, s.clock.Now())
	if err != nil || c.Type != "access" {
		return Anonymous, ErrBadToken
	}
	u, err := s.users.GetUser(ctx, c.UserID)
	if err != nil || u.Disabled {
		return Anonymous, ErrBadToken
	}
	return subjectOf(u), nil
}

// SubjectFromBasic accepts a password, or an API token given as the password
// (with any username, e.g. twine's __token__).
func (s *Service) SubjectFromBasic(ctx context.Context, username, password string) (ports.Subject, error) {
	if strings.HasPrefix(password, TokenPrefix) {
		return s.subjectFromAPIToken(ctx, password)
	}
	if LooksLikeJWT(password) {
		return s.SubjectFromBearer(ctx, password)
	}
	u, err := s.checkPassword(ctx, username, password)
	if err != nil {
		return Anonymous, err
	}
	return subjectOf(u), nil
}

func subjectOf(u ports.User) ports.Subject {
	return ports.Subject{UserID: u.ID, Username: u.Username, IsAdmin: u.IsAdmin}
}

// NewAPIToken mints a token for userID; the secret is returned once and only
// its hash is stored.
func (s *Service) NewAPIToken(ctx context.Context, userID int64, name string, scopes, repos []string, expires time.Time) (string, ports.APIToken, error) {
	pre, sec := make([]byte, 6), make([]byte, 24)
	if _, err := rand.Read(pre); err != nil {
		return "", ports.APIToken{}, err
	}
	if _, err := rand.Read(sec); err != nil {
		return "", ports.APIToken{}, err
	}
	prefix := hex.EncodeToString(pre)
	secret := hex.EncodeToString(sec)
	t := ports.APIToken{UserID: userID, Name: name, Prefix: prefix, Hash: hashSecret(secret), Scopes: scopes,
		Repos: repos, ExpiresAt: expires, CreatedAt: s.clock.Now()}
	if err := s.tokens.CreateToken(ctx, &t); err != nil {
		return "", t, fmt.Errorf("auth: store token: %w", err)
	}
	return TokenPrefix + prefix + "_" + secret, t, nil
}

func (s *Service) subjectFromAPIToken(ctx context.Context, token string) (ports.Subject, error) {
	prefix, secret, ok := strings.Cut(strings.TrimPrefix(token, TokenPrefix), "_")
	if !ok || len(prefix) != 12 || len(secret) != 48 {
		return Anonymous, ErrBadToken
	}
	t, err := s.tokens.GetTokenByPrefix(ctx, prefix)
	if err != nil {
		return Anonymous, ErrBadToken
	}
	now := s.clock.Now()
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(hashSecret(secret))) != 1 ||
		!t.RevokedAt.IsZero() || (!t.ExpiresAt.IsZero() && now.After(t.ExpiresAt)) {
		return Anonymous, ErrBadToken
	}
	u, err := s.users.GetUser(ctx, t.UserID)
	if err != nil || u.Disabled {
		return Anonymous, ErrBadToken
	}
	if now.Sub(t.LastUsedAt) > time.Minute { // coarse, so hot tokens don't write on every request
		if err := s.tokens.TouchToken(ctx, t.ID, now); err != nil {
			slog.WarnContext(ctx, "auth: record token use", "err", err)
		}
	}
	sub := subjectOf(u)
	sub.TokenID, sub.Scopes, sub.Repos = t.ID, t.Scopes, t.Repos
	if sub.Scopes == nil {
		sub.Scopes = []string{}
	}
	return sub, nil
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
