// Package hello says hello (a Keeper test module with upper case in its path).
package hello

// Greeting is the marker the e2e consumer prints.
func Greeting() string { return "hello from example.com/Lib/hello v1.0.0" }
