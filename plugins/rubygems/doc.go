// Package rubygems is Keeper's RubyGems format plugin: gem push and yank,
// the Marshal spec indexes, quick specs, the compact index and the
// dependency API.
package rubygems
