// Command kbench is the load client and reporter behind bench/run.sh: it
// downloads and uploads against a server while sampling the server's CPU from
// /proc, runs wrk the same way, runs the write+sha256 reference, and prints
// the results table. Every measurement appends one JSON line to -out.
package main
