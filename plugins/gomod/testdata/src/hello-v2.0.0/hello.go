// Package hello is major version 2 of the Keeper test module.
package hello

import "example.com/Lib/hello/v2/inner"

// Greeting is the marker the e2e consumer prints.
func Greeting() string { return "hello from example.com/Lib/hello/v2 " + inner.Version }
