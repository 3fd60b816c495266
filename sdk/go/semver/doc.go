// Package semver parses and orders Semantic Versioning 2.0.0 versions
// (https://semver.org) for plugins whose formats require them.
package semver
