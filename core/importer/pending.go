package importer

import (
	"context"
	"errors"
)

// StatusPending is what a plugin answers a deploy by path that needs
// another file of the repository stored first (a manifest before the blobs
// it names): 424 Failed Dependency (RFC 4918 section 11.4). The importer
// knows no format's order: it deploys such a file again after the
// repository's other files (see settle).
const StatusPending = 424

// ErrPending wraps a deploy answered with StatusPending.
var ErrPending = errors.New("importer: needs another file of the repository first")

// pending is the provisional outcome of a file whose deploy waits for
// another; it never reaches a report.
const pending = "pending"

// settle deploys the files that waited again, after the repository's
// other files, in passes for as long as a pass imports one of them (so
// chains such as index → platform manifest → blobs settle whatever order
// the source listed them in). What still waits after a pass that imported
// nothing fails with the plugin's last answer.
func settle[F any](ctx context.Context, waiting []F, try func(F) (string, string), report func(F, string, string)) error {
	for len(waiting) > 0 {
		var still []F
		var reasons []string
		progress := false
		for _, f := range waiting {
			if err := ctx.Err(); err != nil {
				return err
			}
			outcome, reason := try(f)
			if outcome == pending {
				still, reasons = append(still, f), append(reasons, reason)
				continue
			}
			progress = progress || outcome == Imported
			report(f, outcome, reason)
		}
		if !progress {
			for i, f := range still {
				report(f, Failed, "needs a file the source does not hold: "+reasons[i])
			}
			return nil
		}
		waiting = still
	}
	return nil
}
