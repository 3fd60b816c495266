package fsblob

import (
	"fmt"
	"os"
	"syscall"
)

// setDirect sets or clears O_DIRECT on f (fcntl F_SETFL, which Linux lets
// change it on an open file; a file system without direct I/O refuses with
// EINVAL, https://man7.org/linux/man-pages/man2/fcntl.2.html).
func setDirect(f *os.File, on bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	err = rc.Control(func(fd uintptr) {
		flags, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		if e != 0 {
			ferr = e
			return
		}
		if on {
			flags |= syscall.O_DIRECT
		} else {
			flags &^= syscall.O_DIRECT
		}
		if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETFL, flags); e != 0 {
			ferr = e
		}
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("fsblob: O_DIRECT: %w", err)
	}
	return nil
}
