// Package sdk is the guest SDK for Keeper format plugins: plain-Go types and
// interfaces a plugin implements, plus (on GOOS=wasip1) the canonical-ABI glue
// that exports them and wraps the host imports of wit/keeper-format.wit.
package sdk
