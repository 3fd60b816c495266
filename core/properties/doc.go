// Package properties keeps Artifactory-style key/value labels on artifacts and repositories: validation, changes and searches within what the caller may read.
package properties
