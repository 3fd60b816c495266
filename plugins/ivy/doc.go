// Package ivy serves an Apache Ivy (and sbt) repository: the Ivy layout over HTTP, with a Maven-style read view.
package ivy
