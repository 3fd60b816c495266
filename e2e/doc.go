// Package e2e runs real keeper processes and checks reliability end to end:
// concurrency, crashes (SIGKILL mid-upload), restarts and the command line.
//
//	go test ./e2e/...                                   # SQLite
//	KEEPER_TEST_POSTGRES_URL=postgres://… go test ./e2e/... # and PostgreSQL
//
// The harness (package e2e/harness) builds ./cmd/keeper once per test binary;
// KEEPER_E2E_BINARY=path uses a prebuilt binary instead, and
// KEEPER_E2E_VERBOSE=1 copies the servers' output to stderr as it comes.
package e2e
