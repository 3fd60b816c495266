package argon2

import (
	"go.uber.org/fx"

	"github.com/keeper-registry/keeper/ports"
)

// Module provides the argon2id password hasher.
var Module = fx.Module("auth.argon2",
	fx.Provide(fx.Annotate(New, fx.As(new(ports.PasswordHasher)))),
)
