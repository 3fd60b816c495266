package ratelimit

import "go.uber.org/fx"

// Module provides a *Limiter from a supplied Config (ratelimit.Defaults() or
// the configuration file's); the wiring passes BeforeAuth()/AfterAuth() to
// the HTTP server's Deps.
var Module = fx.Module("ratelimit",
	fx.Provide(func(cfg Config) *Limiter { return New(cfg, nil) }),
)
