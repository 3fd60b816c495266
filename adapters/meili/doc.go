// Package meili is the search index on a Meilisearch server (github.com/meilisearch/meilisearch-go), selected by search.meilisearch.url.
package meili
