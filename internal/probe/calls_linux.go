//go:build linux && (amd64 || arm64)

package probe

// This file holds the probes: one raw system call each.

import (
	"syscall"
	"unsafe"
)

// All are the probes, in the order RunAll runs them.
var All = append(common, archProbes...)

var common = []Probe{
	{"exec", []string{"exec"}, syscall.EPERM, func() syscall.Errno {
		argv := []*byte{path(nowhere), nil}
		return call(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(argv[0])), uintptr(unsafe.Pointer(&argv[0])), 0)
	}},
	{"socket-inet", []string{"inet"}, syscall.EPERM, func() syscall.Errno { return socket(syscall.AF_INET) }},
	{"socket-inet6", []string{"inet"}, syscall.EPERM, func() syscall.Errno { return socket(syscall.AF_INET6) }},
	{"socket-unix", []string{"unix"}, syscall.EPERM, func() syscall.Errno { return socket(syscall.AF_UNIX) }},
	{"socket-netlink", nil, syscall.EPERM, func() syscall.Errno { return socket(syscall.AF_NETLINK) }},
	{"open-read", []string{"rpath"}, syscall.EPERM, func() syscall.Errno { return open(syscall.O_RDONLY) }},
	{"open-write", []string{"wpath"}, syscall.EPERM, func() syscall.Errno { return open(syscall.O_WRONLY) }},
	{"open-rdwr", []string{"rpath", "wpath"}, syscall.EPERM, func() syscall.Errno { return open(syscall.O_RDWR) }},
	{"open-trunc", []string{"rpath", "wpath"}, syscall.EPERM, func() syscall.Errno { return open(syscall.O_RDONLY | syscall.O_TRUNC) }},
	{"open-create", []string{"wpath", "cpath"}, syscall.EPERM, func() syscall.Errno {
		return openat(nowhere+"/x", syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL)
	}},
	{"unlink", []string{"cpath"}, syscall.EPERM, func() syscall.Errno {
		return call(syscall.SYS_UNLINKAT, atFDCWD, uintptr(unsafe.Pointer(path(nowhere+"/x"))), 0)
	}},
	{"mkdir", []string{"cpath"}, syscall.EPERM, func() syscall.Errno {
		return call(syscall.SYS_MKDIRAT, atFDCWD, uintptr(unsafe.Pointer(path(nowhere+"/x"))), 0o700)
	}},
	{"setxattrat", []string{"wpath"}, syscall.EPERM, func() syscall.Errno {
		return call6(sysSetxattrat, atFDCWD, uintptr(unsafe.Pointer(path(nowhere))), 0,
			uintptr(unsafe.Pointer(path("user.kcgi"))), 0, 0)
	}},
	{"fork", []string{"proc"}, syscall.EPERM, fork},
	{"clone3", nil, syscall.ENOSYS, func() syscall.Errno { return call(sysClone3, 0, 0, 0) }},
	{"ptrace", nil, syscall.EPERM, func() syscall.Errno { return call(syscall.SYS_PTRACE, syscall.PTRACE_ATTACH, nobody, 0) }},
	{"process_vm_readv", nil, syscall.EPERM, func() syscall.Errno {
		return call6(sysProcessVMReadv, nobody, 0, 0, 0, 0, 0)
	}},
	{"unshare", nil, syscall.EPERM, func() syscall.Errno { return call(syscall.SYS_UNSHARE, 0, 0, 0) }},
	{"setns", nil, syscall.EPERM, func() syscall.Errno { return call(sysSetns, ^uintptr(0), 0, 0) }},
	{"chroot", nil, syscall.EPERM, func() syscall.Errno {
		return call(syscall.SYS_CHROOT, uintptr(unsafe.Pointer(path(nowhere))), 0, 0)
	}},
	{"keyctl", nil, syscall.EPERM, func() syscall.Errno { return call(syscall.SYS_KEYCTL, 0xffff, 0, 0) }},
}

const (
	atFDCWD   = ^uintptr(99) // AT_FDCWD, -100
	sysClone3 = 435          // the same on amd64 and arm64; not in package syscall
	// setxattrat(2), Linux 6.13: the same on amd64 and arm64.
	sysSetxattrat = 463
)

func path(s string) *byte {
	p, _ := syscall.BytePtrFromString(s)
	return p
}

func call(nr, a1, a2, a3 uintptr) syscall.Errno {
	_, _, e := syscall.Syscall(nr, a1, a2, a3)
	return e
}

func call6(nr, a1, a2, a3, a4, a5, a6 uintptr) syscall.Errno {
	_, _, e := syscall.Syscall6(nr, a1, a2, a3, a4, a5, a6)
	return e
}

// closeFd closes what a raw open returned, if it succeeded.
func closeFd(fd, _ uintptr, e syscall.Errno) syscall.Errno {
	if e == 0 {
		syscall.Close(int(fd))
	}
	return e
}

// socket creates a socket of family and closes it.
func socket(family int) syscall.Errno {
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err.(syscall.Errno)
	}
	syscall.Close(fd)
	return 0
}

// open opens nowhere with flags: unconfined, ENOENT.
func open(flags int) syscall.Errno {
	return openat(nowhere, flags)
}

// openat opens name, under nowhere, with flags: unconfined, ENOENT.
// (syscall.Open is openat on every Linux architecture.)
func openat(name string, flags int) syscall.Errno {
	fd, err := syscall.Open(name, flags|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return err.(syscall.Errno)
	}
	syscall.Close(fd)
	return 0
}
