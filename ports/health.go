package ports

import "context"

// Pinger is anything whose readiness can be checked (database, blob store).
type Pinger interface {
	Ping(ctx context.Context) error
}
