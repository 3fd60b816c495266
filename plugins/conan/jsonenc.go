package conan

import (
	"strconv"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// appendTime appends ms as ISO 8601 UTC ("2024-05-01T10:00:00Z"), which the
// client reads with from_iso8601_to_timestamp (conans/util/dates.py).
func appendTime(b []byte, ms int64) []byte {
	b, _, ok := sdk.AppendUTC(b, ms)
	if !ok {
		b = append(b, "1970-01-01T00:00:00"...)
	}
	return append(b, 'Z')
}
