package config

import "time"

// Imports tunes the import API (docs/import.md).
type Imports struct {
	// Retention is how long a finished import's report (the job and every
	// item) stays in the database (KEEPER_IMPORTS_RETENTION, default 2160h:
	// 90 days); older ones are pruned hourly by one replica.
	Retention time.Duration `yaml:"retention"`
}
