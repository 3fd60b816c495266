//go:build unix

package lowprio

import (
	"os/exec"
	"syscall"
)

// prepare puts the program in a process group of its own, so that one
// setpriority call reaches all of its threads and children.
func prepare(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}

// lower sets the niceness of the process group led by pid (on Linux every
// thread of it; threads started later inherit it).
func lower(pid int) {
	_ = syscall.Setpriority(syscall.PRIO_PGRP, pid, Nice)
}
