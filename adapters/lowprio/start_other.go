//go:build !linux

package lowprio

import "os/exec"

// start starts cmd (Nice is applied after, by lower).
func start(cmd *exec.Cmd) error { return cmd.Start() }
