//go:build linux && (amd64 || arm64)

package kcgi

// This file builds the seccomp filter of Confine: a classic BPF
// program, checked by the kernel before each system call, in Go.

import (
	"fmt"
	"runtime"
	"syscall"
	"unsafe"
)

// sockFilter is struct sock_filter, one BPF instruction.
type sockFilter struct {
	code   uint16
	jt, jf uint8
	k      uint32
}

// sockFprog is struct sock_fprog.
type sockFprog struct {
	len    uint16
	filter *sockFilter
}

// BPF opcodes (linux/bpf_common.h) and seccomp's return values and
// data offsets (linux/seccomp.h).
const (
	bpfLdAbsW = 0x00 | 0x00 | 0x20 // BPF_LD | BPF_W | BPF_ABS
	bpfAndK   = 0x04 | 0x50 | 0x00 // BPF_ALU | BPF_AND | BPF_K
	bpfJeqK   = 0x05 | 0x10 | 0x00 // BPF_JMP | BPF_JEQ | BPF_K
	bpfJgeK   = 0x05 | 0x30 | 0x00 // BPF_JMP | BPF_JGE | BPF_K
	bpfJsetK  = 0x05 | 0x40 | 0x00 // BPF_JMP | BPF_JSET | BPF_K
	bpfJa     = 0x05 | 0x00        // BPF_JMP | BPF_JA
	bpfRetK   = 0x06 | 0x00        // BPF_RET | BPF_K

	retKillProcess = 0x80000000
	retErrno       = 0x00050000
	retAllow       = 0x7fff0000

	offNr   = 0  // struct seccomp_data nr
	offArch = 4  // arch
	offArgs = 16 // args[6], 64 bits each; the low half first (both architectures are little-endian)
)

// Flags and constants the filter tests; the same numbers on amd64 and
// arm64 (asm-generic/fcntl.h, linux/sched.h, linux/socket.h).
const (
	oAccMode = 0x3
	oRdOnly  = 0x0
	oWrOnly  = 0x1
	oRdWr    = 0x2
	oCreat   = 0x40
	oTrunc   = 0x200
	oTmpfile = 0x400000 // __O_TMPFILE, without O_DIRECTORY

	cloneThread = 0x10000
	// cloneNewAny is CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER,
	// NEWPID and NEWNET. CLONE_NEWTIME (0x80) is clone3's only: in
	// clone, that bit belongs to the exit signal.
	cloneNewAny = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000

	afUnix  = 1
	afInet  = 2
	afInet6 = 10
)

func stmt(code uint16, k uint32) sockFilter { return sockFilter{code: code, k: k} }

func jump(code uint16, k uint32, jt, jf uint8) sockFilter {
	return sockFilter{code: code, jt: jt, jf: jf, k: k}
}

func ret(v uint32) sockFilter { return stmt(bpfRetK, v) }

func deny(errno syscall.Errno) sockFilter { return ret(retErrno | uint32(errno)&0xffff) }

// loadArg loads the low 32 bits of argument i.
func loadArg(i int) sockFilter { return stmt(bpfLdAbsW, uint32(offArgs+8*i)) }

// A rule is what the filter does with one system call: body runs when
// the number matches, and ends in a return.
type rule struct {
	nr   int
	body []sockFilter
}

// always denies the call with errno.
func always(nr int, errno syscall.Errno) rule {
	return rule{nr, []sockFilter{deny(errno)}}
}

// when denies the call with EPERM if one of the checks does, and
// allows it otherwise. Each check loads what it tests.
func when(nr int, checks ...[]sockFilter) rule {
	var body []sockFilter
	for _, c := range checks {
		body = append(body, c...)
	}
	return rule{nr, append(body, ret(retAllow))}
}

// anyBit denies when argument i has a bit of mask set.
func anyBit(i int, mask uint32) []sockFilter {
	return []sockFilter{loadArg(i), jump(bpfJsetK, mask, 0, 1), deny(syscall.EPERM)}
}

// noBit denies when argument i has no bit of mask set.
func noBit(i int, mask uint32) []sockFilter {
	return []sockFilter{loadArg(i), jump(bpfJsetK, mask, 1, 0), deny(syscall.EPERM)}
}

// masked denies when argument i, masked with mask, is one of vals.
func masked(i int, mask uint32, vals ...uint32) []sockFilter {
	f := []sockFilter{loadArg(i), stmt(bpfAndK, mask)}
	for j, v := range vals {
		// Past the remaining comparisons and the skip, to the deny.
		f = append(f, jump(bpfJeqK, v, uint8(len(vals)-j), 0))
	}
	// No match: skip the deny.
	f = append(f, stmt(bpfJa, 1), deny(syscall.EPERM))
	return f
}

// oneOf allows argument i only if it is one of vals, and denies the
// call otherwise.
func oneOf(i int, vals ...uint32) []sockFilter {
	f := []sockFilter{loadArg(i)}
	for j, v := range vals {
		// Past the remaining comparisons and the deny.
		f = append(f, jump(bpfJeqK, v, uint8(len(vals)-j), 0))
	}
	return append(f, deny(syscall.EPERM))
}

// program assembles the filter: the architecture check, then one
// comparison of the system call number per rule, ENOSYS for calls newer
// than the table (a kernel's new call could do what a rule forbids; the
// C library and Go fall back on ENOSYS), and allow for every other
// call. Rules for calls the architecture lacks (-1) are left out.
func program(rules []rule) []sockFilter {
	f := []sockFilter{
		// Another architecture's calls have other numbers: kill.
		stmt(bpfLdAbsW, offArch),
		jump(bpfJeqK, auditArch, 1, 0),
		ret(retKillProcess),
		stmt(bpfLdAbsW, offNr),
	}
	if x32ABI != 0 {
		f = append(f, jump(bpfJgeK, x32ABI, 0, 1), ret(retKillProcess))
	}
	for _, r := range rules {
		if r.nr < 0 {
			continue
		}
		if len(r.body) > 255 {
			panic("kcgi: seccomp rule longer than a jump can skip")
		}
		f = append(f, jump(bpfJeqK, uint32(r.nr), 0, uint8(len(r.body))))
		f = append(f, r.body...)
	}
	return append(f, jump(bpfJgeK, sysFirstUnknown, 0, 1), deny(syscall.ENOSYS), ret(retAllow))
}

// installFilter sets no_new_privs, which an unprivileged process needs
// to install a filter, and installs f on every thread of the process
// (SECCOMP_FILTER_FLAG_TSYNC: no_new_privs goes with it). The caller
// holds its OS thread, so that both calls are made on the same one.
func installFilter(f []sockFilter) error {
	const (
		prSetNoNewPrivs = 38
		setModeFilter   = 1
		filterFlagTsync = 1
		maxInsns        = 4096 // BPF_MAXINSNS
	)
	if len(f) > maxInsns {
		return fmt.Errorf("seccomp: %d instructions: %w", len(f), syscall.E2BIG)
	}
	if _, _, e := syscall.RawSyscall6(sysPrctl, prSetNoNewPrivs, 1, 0, 0, 0, 0); e != 0 {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", e)
	}
	prog := sockFprog{len: uint16(len(f)), filter: &f[0]}
	r, _, e := syscall.RawSyscall(sysSeccomp, setModeFilter, filterFlagTsync, uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(f)
	if e != 0 {
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER): %w", e)
	}
	if r != 0 {
		// TSYNC failed on thread r (one with another filter): no
		// thread has the new filter.
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER): thread %d not synchronized: %w", r, syscall.EAGAIN)
	}
	return nil
}
