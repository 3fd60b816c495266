package harness

import (
	"os/exec"
	"syscall"
)

// orphanGuard makes the kernel kill the server if the test process dies
// (a test timeout), so no keeper outlives its test binary.
func orphanGuard(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
