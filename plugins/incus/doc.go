// Package incus serves Incus/LXD container and virtual-machine images as a SimpleStreams image server.
package incus
