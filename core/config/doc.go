// Package config defines Keeper's one typed configuration and how it is
// loaded from a YAML file, KEEPER_* environment variables and flags, and validated.
package config
