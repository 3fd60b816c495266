// Package lowprio runs child programs (the vulnerability scanners) at the
// lowest CPU priority, so that they take only the CPU serving leaves;
// Output runs one for its standard output, with a timeout and a size cap.
package lowprio
