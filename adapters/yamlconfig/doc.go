// Package yamlconfig loads core/config.Config from a YAML file, KEEPER_*
// environment variables and command-line flags, in that order of precedence (last wins).
package yamlconfig
