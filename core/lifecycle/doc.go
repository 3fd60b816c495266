// Package lifecycle enforces per-repository storage quotas on every commit and runs cleanup policies that delete package versions by count, age and downloads.
package lifecycle
