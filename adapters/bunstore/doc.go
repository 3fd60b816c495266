// Package bunstore is the metadata store of Keeper (repositories, files,
// packages, users, tokens, uploads, plugins, settings) on uptrace/bun, running
// the same code on PostgreSQL and on SQLite (pure Go driver).
package bunstore
