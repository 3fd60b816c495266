// Package artifact holds the rules for storing, listing, fetching and deleting
// files in repositories through the generic artifacts API.
package artifact
