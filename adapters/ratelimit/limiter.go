package ratelimit

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keeper-registry/keeper/core/auth"
)

// Config sets every limit; zero values disable a limit.
type Config struct {
	// PerIP limits every request by client address (before authentication).
	PerIP Rule `yaml:"per_ip"`
	// PerUser limits authenticated requests by user (after authentication).
	PerUser Rule `yaml:"per_user"`
	// Login limits POSTs to LoginPaths per client address; keep it strict.
	Login      Rule     `yaml:"login"`
	LoginPaths []string `yaml:"login_paths"`
	// BadCredentials bounds the refused credentials per client address:
	// once spent, that address's credential checks that would read the
	// database are refused with 429 before they do (see CredentialFailures).
	BadCredentials Rule `yaml:"bad_credentials"`
	// MaxInFlight requests are processed at once; beyond it 503 + Retry-After.
	// A request stops counting once its handler streams the request body or
	// starts the response, so long transfers never hold a slot.
	MaxInFlight int `yaml:"max_in_flight"`
}

// Defaults are generous for package clients (which fan out) and strict for logins.
func Defaults() Config {
	return Config{
		PerIP:          Rule{Requests: 3000, Window: time.Minute},
		PerUser:        Rule{Requests: 6000, Window: time.Minute},
		Login:          Rule{Requests: 10, Window: time.Minute},
		LoginPaths:     []string{"/api/v1/auth/login"},
		BadCredentials: Rule{Requests: 100, Window: time.Minute},
		MaxInFlight:    512,
	}
}

// Limiter holds the per-process state of every limit.
type Limiter struct {
	cfg      Config
	now      func() time.Time
	ip       *buckets
	user     *buckets
	login    *buckets
	bad      *buckets
	shared   Counter
	inFlight atomic.Int64
}

// New builds a Limiter; now is the clock (nil: time.Now).
func New(cfg Config, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	if len(cfg.LoginPaths) == 0 {
		cfg.LoginPaths = Defaults().LoginPaths
	}
	return &Limiter{cfg: cfg, now: now, ip: newBuckets(cfg.PerIP), user: newBuckets(cfg.PerUser), login: newBuckets(cfg.Login),
		bad: newBuckets(cfg.BadCredentials)}
}

// InFlight is the number of requests currently counted.
func (l *Limiter) InFlight() int64 { return l.inFlight.Load() }

// BeforeAuth returns the middleware to run before authentication: load
// shedding, the per-IP limit and the login limit.
func (l *Limiter) BeforeAuth() []gin.HandlerFunc {
	var hs []gin.HandlerFunc
	if l.cfg.MaxInFlight > 0 {
		hs = append(hs, l.shed)
	}
	if l.cfg.PerIP.enabled() {
		hs = append(hs, func(c *gin.Context) { l.limit(c, l.ip, "ip:"+c.ClientIP(), "too many requests from your address") })
	}
	if l.cfg.Login.enabled() {
		hs = append(hs, func(c *gin.Context) {
			if c.Request.Method == http.MethodPost && l.isLogin(c.Request.URL.Path) {
				if l.shared != nil {
					l.limitShared(c, "login:"+c.ClientIP(), "too many login attempts")
					return
				}
				l.limit(c, l.login, "login:"+c.ClientIP(), "too many login attempts")
				return
			}
			c.Next()
		})
	}
	return hs
}

// AfterAuth returns the per-user limit (nil when disabled).
func (l *Limiter) AfterAuth() []gin.HandlerFunc {
	if !l.cfg.PerUser.enabled() {
		return nil
	}
	return []gin.HandlerFunc{func(c *gin.Context) {
		sub := auth.SubjectFrom(c.Request.Context())
		if sub.Anonymous || sub.UserID == 0 {
			c.Next()
			return
		}
		l.limit(c, l.user, "user:"+strconv.FormatInt(sub.UserID, 10), "too many requests for your account")
	}}
}

func (l *Limiter) isLogin(p string) bool {
	for _, lp := range l.cfg.LoginPaths {
		if p == lp || strings.HasSuffix(lp, "/") && strings.HasPrefix(p, lp) {
			return true
		}
	}
	return false
}

func (l *Limiter) limit(c *gin.Context, b *buckets, key, msg string) {
	ok, wait := b.take(key, l.now())
	if ok {
		c.Next()
		return
	}
	secs := int(math.Ceil(wait.Seconds()))
	c.Header("Retry-After", strconv.Itoa(max(secs, 1)))
	c.AbortWithStatusJSON(http.StatusTooManyRequests, errBody("rate_limited", msg))
}

func errBody(code, msg string) gin.H {
	return gin.H{"error": gin.H{"code": code, "message": msg}}
}

// shed counts the request in flight until its handler starts streaming the
// request body, writes the response head, or returns, whichever is first.
func (l *Limiter) shed(c *gin.Context) {
	if l.inFlight.Add(1) > int64(l.cfg.MaxInFlight) {
		l.inFlight.Add(-1)
		c.Header("Retry-After", "1")
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, errBody("overloaded", "server busy, retry shortly"))
		return
	}
	var once sync.Once
	release := func() { once.Do(func() { l.inFlight.Add(-1) }) }
	defer release()
	if c.Request.Body != nil && c.Request.Body != http.NoBody {
		c.Request.Body = &releasingBody{ReadCloser: c.Request.Body, release: release}
	}
	c.Writer = &releasingWriter{ResponseWriter: c.Writer, release: release}
	c.Next()
}
