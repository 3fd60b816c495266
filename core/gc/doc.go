// Package gc is the blob garbage collector: mark every referenced blob, sweep the rest after a grace period.
package gc
