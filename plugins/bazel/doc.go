// Package bazel serves a Bazel module registry (Bzlmod) and Bazel's HTTP remote cache.
package bazel
