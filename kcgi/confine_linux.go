//go:build linux && (amd64 || arm64)

package kcgi

// This file confines the process on Linux: which system calls the
// seccomp filter refuses for each promise left out, and why.

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
)

// confine installs the filter for p on every thread.
func confine(p Promise) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return installFilter(program(rules(p)))
}

// rules lists what the filter refuses under p; the filter allows every
// other call. Every call appears at most once.
func rules(p Promise) []rule {
	var rs []rule
	add := func(nrs []int, r func(nr int) rule) {
		for _, nr := range nrs {
			rs = append(rs, r(nr))
		}
	}
	eperm := func(nr int) rule { return always(nr, syscall.EPERM) }

	// Always: calls that reach into other processes, leave kfcgi's
	// jail (mounts, namespaces, chroot, file handles), load code into
	// the kernel or widen its attack surface. A worker needs none.
	// io_uring would also run system calls the filter never sees.
	add([]int{
		sysPtrace, sysProcessVMReadv, sysProcessVMWritev, sysProcessMadvise, sysPidfdGetfd,
		sysMount, sysUmount2, sysPivotRoot, sysChroot, sysOpenTree, sysMoveMount,
		sysFsopen, sysFsconfig, sysFsmount, sysFspick, sysMountSetattr, sysOpenTreeAttr,
		sysUnshare, sysSetns, sysOpenByHandleAt,
		sysInitModule, sysFinitModule, sysDeleteModule, sysKexecLoad, sysKexecFileLoad,
		sysBpf, sysPerfEventOpen, sysUserfaultfd, sysKeyctl, sysAddKey, sysRequestKey,
		sysIOUringSetup, sysIOUringEnter, sysIOUringRegister,
	}, eperm)
	// clone3's flags are in memory, where the filter cannot look:
	// ENOSYS makes glibc's pthread_create and Go fall back to clone.
	rs = append(rs, always(sysClone3, syscall.ENOSYS))

	// clone: new namespaces never (as unshare); a new process only
	// with proc. A thread is a clone with CLONE_THREAD.
	cloneChecks := [][]sockFilter{anyBit(0, cloneNewAny)}
	if p&PromiseProc == 0 {
		cloneChecks = append(cloneChecks, noBit(0, cloneThread))
		add([]int{sysFork, sysVfork}, eperm)
	}
	rs = append(rs, when(sysClone, cloneChecks...))

	if p&PromiseExec == 0 {
		add([]int{sysExecve, sysExecveat}, eperm)
	}

	// socket: the address family is the first argument. Every family
	// but these needs a promise we do not offer (pledge has none for
	// netlink or packet sockets either).
	var families []uint32
	if p&PromiseUnix != 0 {
		families = append(families, afUnix)
	}
	if p&PromiseInet != 0 {
		families = append(families, afInet, afInet6)
	}
	rs = append(rs, when(sysSocket, oneOf(0, families...)))

	// open, openat: the flags decide which of rpath, wpath and cpath
	// the call needs, as with pledge: reading needs rpath, writing or
	// truncating wpath, creating cpath; O_RDWR needs both rpath and
	// wpath, and the access mode 3 (no reading or writing, for ioctl)
	// as well.
	openChecks := func(arg int) [][]sockFilter {
		var cs [][]sockFilter
		var modes []uint32
		if p&PromiseRPath == 0 {
			modes = append(modes, oRdOnly, oRdWr, oAccMode)
		}
		if p&PromiseWPath == 0 {
			modes = append(modes, oWrOnly)
			if p&PromiseRPath != 0 {
				modes = append(modes, oRdWr, oAccMode)
			}
			cs = append(cs, anyBit(arg, oTrunc))
		}
		if len(modes) > 0 {
			cs = append(cs, masked(arg, oAccMode, modes...))
		}
		if p&PromiseCPath == 0 {
			cs = append(cs, anyBit(arg, oCreat|oTmpfile))
		}
		return cs
	}
	files := PromiseRPath | PromiseWPath | PromiseCPath
	if p&files != files {
		rs = append(rs, when(sysOpen, openChecks(1)...), when(sysOpenat, openChecks(2)...))
		// openat2's flags are in struct open_how, in memory; nothing
		// uses it instead of openat without a fallback.
		rs = append(rs, always(sysOpenat2, syscall.ENOSYS))
	}
	if p&(PromiseWPath|PromiseCPath) != PromiseWPath|PromiseCPath {
		// creat is open(O_CREAT|O_WRONLY|O_TRUNC).
		add([]int{sysCreat}, eperm)
	}
	if p&PromiseWPath == 0 {
		// Changing a file other than by writing to a descriptor
		// opened for it (pledge has fattr for the attributes).
		add([]int{
			sysTruncate, sysChmod, sysFchmod, sysFchmodat, sysFchmodat2,
			sysChown, sysFchown, sysLchown, sysFchownat,
			sysUtime, sysUtimes, sysUtimensat, sysFutimesat,
			sysSetxattr, sysLsetxattr, sysFsetxattr, sysRemovexattr, sysLremovexattr, sysFremovexattr,
			sysSetxattrat, sysRemovexattrat, sysFileSetattr,
		}, eperm)
	}
	if p&PromiseCPath == 0 {
		// Creating and removing names.
		add([]int{
			sysUnlink, sysUnlinkat, sysRename, sysRenameat, sysRenameat2,
			sysMkdir, sysMkdirat, sysRmdir, sysLink, sysLinkat,
			sysSymlink, sysSymlinkat, sysMknod, sysMknodat,
		}, eperm)
	}
	return rs
}

func unveil(string, string) error { return errNoUnveil }

func unveilLock() error { return errNoUnveil }

// errNoUnveil: Landlock would restrict only the calling thread.
var errNoUnveil = fmt.Errorf("no unveil(2) on Linux (Landlock restricts one thread only; kfcgi's chroot limits the paths): %w", errors.ErrUnsupported)
