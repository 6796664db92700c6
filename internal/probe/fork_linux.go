//go:build linux && (amd64 || arm64)

package probe

// This file holds the fork probe, apart because its child must do
// nothing but exit.

import "syscall"

// fork creates a process with clone(SIGCHLD), as fork(2) does; the
// child exits at once, before running any Go code, and the parent reaps
// it.
func fork() syscall.Errno {
	pid, e := rawFork()
	if e != 0 {
		return e
	}
	var ws syscall.WaitStatus
	syscall.Wait4(int(pid), &ws, 0, nil)
	return 0
}

// rawFork returns the child's PID in the parent; the child calls
// exit_group. It is nosplit so that the child never reaches the stack
// check (see syscall.forkAndExecInChild1).
//
//go:nosplit
//go:norace
func rawFork() (uintptr, syscall.Errno) {
	pid, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if e == 0 && pid == 0 {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	}
	return pid, e
}
