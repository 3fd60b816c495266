// Package search keeps the search index in step with the repositories (draining the durable change queue) and answers searches within what the caller may read.
package search
