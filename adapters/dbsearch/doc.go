// Package dbsearch is the built-in search index in Keeper's own database: SQLite FTS5 on the embedded default, PostgreSQL full-text search with weights and pg_trgm typo tolerance.
package dbsearch
