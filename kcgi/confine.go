package kcgi

// This file holds the worker's confinement: the promises, and Confine,
// Unveil and UnveilLock, which the files for each system implement
// (pledge(2) and unveil(2) on OpenBSD, a seccomp filter on Linux).

import (
	"fmt"
	"strings"
)

// Promise is a set of things a process may go on doing after [Confine],
// named after OpenBSD's pledge(2) promises and meaning the same on
// Linux, as far as a seccomp filter can tell (see Confine). Combine them
// with |.
type Promise uint

// The promises. PromiseStdio is always kept: without it the Go runtime
// cannot run.
const (
	// PromiseStdio: memory, threads, signals, time, and I/O on
	// descriptors already open or received from another process (pledge
	// "stdio recvfd": libkcgi's control process passes each FastCGI
	// connection to the worker).
	PromiseStdio Promise = 1 << iota
	// PromiseRPath: open files for reading.
	PromiseRPath
	// PromiseWPath: open files for writing, truncate them, change their
	// modes, owners, times and extended attributes.
	PromiseWPath
	// PromiseCPath: create, rename, link and remove files and
	// directories.
	PromiseCPath
	// PromiseInet: create IPv4 and IPv6 sockets.
	PromiseInet
	// PromiseUnix: create Unix-domain sockets.
	PromiseUnix
	// PromiseProc: create processes (fork(2); threads need no promise).
	PromiseProc
	// PromiseExec: execute programs (execve(2)).
	PromiseExec

	promiseMax
)

// promiseNames are the pledge(2) names, in the order of the bits.
var promiseNames = [...]string{"stdio", "rpath", "wpath", "cpath", "inet", "unix", "proc", "exec"}

// String returns the promises as pledge(2) writes them, separated by
// spaces, such as "stdio rpath".
func (p Promise) String() string {
	var names []string
	for i, n := range promiseNames {
		if p&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if p >= promiseMax {
		names = append(names, fmt.Sprintf("Promise(%#x)", uint(p&^(promiseMax-1))))
	}
	return strings.Join(names, " ")
}

// ParsePromises reads promises written as [Promise.String] writes
// them, separated by spaces, such as "stdio rpath inet". It returns an
// error wrapping ErrConfig for a name it does not know.
func ParsePromises(s string) (Promise, error) {
	var p Promise
	for _, f := range strings.Fields(s) {
		i := 0
		for i < len(promiseNames) && promiseNames[i] != f {
			i++
		}
		if i == len(promiseNames) {
			return 0, opError("ParsePromises", fmt.Errorf("%w: unknown promise %q", ErrConfig, f))
		}
		p |= 1 << i
	}
	return p, nil
}

// Confine drops, for the rest of the life of the process, everything
// the promises p leave out; PromiseStdio is always kept. A later call
// can drop more, never take back what an earlier one dropped. What is
// left out fails with EPERM (a [syscall.Errno], to test with
// errors.Is), and the process goes on.
//
// A FastCGI worker confines itself best through [Config.Confine], which
// [Init] applies right after libkcgi has forked its children: kfcgi(8)
// has already put the worker in a chroot jail, and libkcgi's children
// are sandboxed on their own. A program that calls Confine itself does
// so after Init, and after opening what it needs (such as templates).
//
// On OpenBSD, Confine is pledge(2) with the promises of the same names
// and "recvfd" for PromiseStdio; execpromises are left NULL, so a
// program it executes is not pledged.
//
// On Linux (amd64 and arm64), Confine sets no_new_privs and installs a
// seccomp filter on every thread of the process at once
// (SECCOMP_FILTER_FLAG_TSYNC); threads started later inherit it, and so
// do programs it executes. The filter allows every system call except:
//   - always: ptrace, process_vm_readv and _writev, process_madvise,
//     pidfd_getfd (reading or changing other processes); mount, umount2,
//     pivot_root, chroot, the new mount API (open_tree_attr included),
//     unshare, setns, and clone
//     with a CLONE_NEW* flag (leaving kfcgi's jail); init_module,
//     finit_module, delete_module, kexec_load, kexec_file_load, bpf,
//     perf_event_open, userfaultfd, keyctl, add_key, request_key,
//     io_uring_setup, _enter and _register (kernel attack surface; an
//     io_uring would also make system calls the filter never sees);
//     open_by_handle_at (opens files outside the jail). clone3 fails
//     with ENOSYS, because its arguments are in memory, out of the
//     filter's reach: the C library and Go fall back to clone.
//   - without PromiseRPath: open and openat for reading (O_RDONLY, or
//     O_RDWR).
//   - without PromiseWPath: open and openat for writing (O_WRONLY,
//     O_RDWR) or with O_TRUNC; creat, truncate, the chmod, chown and
//     utime calls, setting or removing extended attributes (the *xattrat
//     calls too), and file_setattr.
//   - without PromiseCPath: open and openat with O_CREAT or O_TMPFILE;
//     creat, mknod, mkdir, rmdir, link, symlink, unlink and the rename
//     calls (and their *at forms).
//   - without PromiseInet and PromiseUnix: socket for AF_INET and
//     AF_INET6, and for AF_UNIX; socket for any other family always.
//     socketpair, and sockets already open or received, stay usable.
//   - without PromiseProc: fork, vfork, and clone without CLONE_THREAD
//     (new threads are always allowed).
//   - without PromiseExec: execve and execveat.
//
// A system call newer than the filter's table (above file_setattr, 469,
// of Linux 6.17) fails with ENOSYS, as on an older kernel, whatever the
// promises: a new call could do what a promise forbids. The filter does
// not look at kill(2), nor at connect, bind or accept on sockets already
// open.
//
// openat2 fails with ENOSYS unless PromiseRPath, PromiseWPath and
// PromiseCPath are all kept: its flags are in memory too. A call from
// the other system-call ABI of the machine (x32, or 32-bit code) kills
// the process. Reading directories, stat(2) and reading links stay
// allowed, and paths are not restricted: Landlock restricts only the
// calling thread (landlock_restrict_self(2)), not the Go runtime's
// others, so on Linux the paths a worker sees are those of kfcgi's
// chroot, and [Unveil] is unsupported.
//
// On other systems, and on Linux on other architectures, Confine
// returns an error wrapping errors.ErrUnsupported. Errors are
// [OpError]s naming "Confine" and wrapping a [syscall.Errno] or
// ErrConfig.
func Confine(p Promise) error {
	if p >= promiseMax {
		return opError("Confine", fmt.Errorf("%w: promises %v", ErrConfig, p))
	}
	return opError("Confine", confine(p|PromiseStdio))
}

// Unveil makes path, and what is under it if it is a directory, the
// only part of the file system the process can see, with the
// permissions perms, any of "r", "w", "x" and "c" (unveil(2)); further
// calls add paths. Call it before [Confine] or [Init] with a
// Config.Confine, which also locks the list; or lock it with
// [UnveilLock].
//
// Only OpenBSD has unveil(2): elsewhere Unveil returns an error wrapping
// errors.ErrUnsupported (see Confine for Linux). Errors are [OpError]s
// naming "Unveil".
func Unveil(path, perms string) error {
	return opError("Unveil", unveil(path, perms))
}

// UnveilLock forbids further calls of [Unveil] (unveil(NULL, NULL)).
// Elsewhere than on OpenBSD it returns an error wrapping
// errors.ErrUnsupported.
func UnveilLock() error {
	return opError("UnveilLock", unveilLock())
}
