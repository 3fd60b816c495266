package migrations

import "embed"

// FS holds postgres/NNNN_name.up.sql and sqlite/NNNN_name.up.sql.
//
// Conventions every file follows (the runner in adapters/bunstore relies on
// them): statements end with ";" at the end of a line, no "?" characters
// (bun would read them as placeholders), and times are stored as BIGINT/INTEGER
// unix nanoseconds in UTC so they round-trip exactly on both dialects.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
