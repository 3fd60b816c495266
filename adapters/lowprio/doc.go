// Package lowprio runs child programs (the vulnerability scanners) at the
// lowest CPU priority, so that they take only the CPU serving leaves.
package lowprio
