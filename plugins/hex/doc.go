// Package hex is Keeper's Hex format (Erlang and Elixir packages): the
// signed protobuf registry resources, tarballs and the publish API.
package hex
