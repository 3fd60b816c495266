// Package migrations embeds the SQL schema migrations of the metadata store,
// one directory per dialect (postgres/, sqlite/), applied in file-name order.
package migrations
