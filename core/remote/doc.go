// Package remote fetches and caches the files of remote (proxy) repositories.
package remote
