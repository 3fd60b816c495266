package lowprio

import "os/exec"

// Nice is the niceness the programs run with: the lowest priority.
const Nice = 19

// Run starts cmd, lowers every thread of it (and of the processes it
// starts) to Nice, on Linux in the idle scheduling and I/O classes too
// (start_linux.go), and waits for it. Lowering is best effort: a system
// that refuses it still runs the program, at the priority it was given.
func Run(cmd *exec.Cmd) error {
	prepare(cmd)
	if err := start(cmd); err != nil {
		return err
	}
	lower(cmd.Process.Pid)
	return cmd.Wait()
}
