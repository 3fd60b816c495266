//go:build linux

package lowprio

import (
	"os/exec"
	"runtime"
	"syscall"
	"unsafe"
)

// Linux scheduling and I/O classes the programs start in
// (https://man7.org/linux/man-pages/man7/sched.7.html, SCHED_IDLE: run only
// when nothing else wants the CPU; https://man7.org/linux/man-pages/man2/ioprio_set.2.html,
// IOPRIO_CLASS_IDLE: disk time only when no other program asks for it).
const (
	schedIdle       = 5
	ioprioWhoThread = 1 // IOPRIO_WHO_PROCESS: with 0, the calling thread
	ioprioIdle      = 3 << 13
)

// start starts cmd from an OS thread put in the idle scheduling and I/O
// classes, which the program inherits with its fork (and its threads and
// children from it), so no thread of it runs a moment at normal priority
// as setting them after the start would allow. The thread is not given
// back to the Go scheduler: it ends with its goroutine. Best effort: a
// system that refuses either class still starts the program.
func start(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with this goroutine
		param := struct{ priority int32 }{}
		_, _, _ = syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, 0, schedIdle, uintptr(unsafe.Pointer(&param)))
		_, _, _ = syscall.RawSyscall(syscall.SYS_IOPRIO_SET, ioprioWhoThread, 0, ioprioIdle)
		errc <- cmd.Start()
	}()
	return <-errc
}
