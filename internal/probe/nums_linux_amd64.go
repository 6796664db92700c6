//go:build linux

package probe

import (
	"syscall"
	"unsafe"
)

// The numbers package syscall lacks for x86-64.
const (
	sysProcessVMReadv = 310
	sysSetns          = 308
)

// archProbes are the probes of the calls arm64 lacks: open(2) and
// creat(2), which C code on x86-64 may still use.
var archProbes = []Probe{
	{"open(2)-write", []string{"wpath"}, syscall.EPERM, func() syscall.Errno {
		return closeFd(syscall.Syscall(syscall.SYS_OPEN, uintptr(unsafe.Pointer(path(nowhere))), syscall.O_WRONLY|syscall.O_CLOEXEC, 0))
	}},
	{"open(2)-read", []string{"rpath"}, syscall.EPERM, func() syscall.Errno {
		return closeFd(syscall.Syscall(syscall.SYS_OPEN, uintptr(unsafe.Pointer(path(nowhere))), syscall.O_RDONLY|syscall.O_CLOEXEC, 0))
	}},
	{"creat", []string{"wpath", "cpath"}, syscall.EPERM, func() syscall.Errno {
		return closeFd(syscall.Syscall(syscall.SYS_CREAT, uintptr(unsafe.Pointer(path(nowhere+"/x"))), 0o600, 0))
	}},
}
