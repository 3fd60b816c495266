// Package plugin manages the lifecycle of format plugins: loading the
// built-in and installed modules, installing, enabling, disabling, reloading
// and removing them, and publishing their mounts to the dispatcher.
package plugin
