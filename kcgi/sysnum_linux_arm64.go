//go:build linux

package kcgi

// This file holds the arm64 numbers the seccomp filter needs: the
// audit architecture and the system calls (asm-generic/unistd.h). -1
// marks a call the architecture does not have: arm64 has only the *at
// forms of the path calls, and no fork or vfork.

const (
	auditArch = 0xc00000b7 // AUDIT_ARCH_AARCH64
	x32ABI    = 0          // no second ABI with the same architecture

	sysPrctl   = 167
	sysSeccomp = 277

	sysExecve   = 221
	sysExecveat = 281
	sysSocket   = 198
	sysClone    = 220
	sysClone3   = 435
	sysFork     = -1
	sysVfork    = -1

	sysOpen            = -1
	sysOpenat          = 56
	sysOpenat2         = 437
	sysCreat           = -1
	sysOpenByHandleAt  = 265
	sysUnlink          = -1
	sysUnlinkat        = 35
	sysRename          = -1
	sysRenameat        = 38
	sysRenameat2       = 276
	sysMkdir           = -1
	sysMkdirat         = 34
	sysRmdir           = -1
	sysLink            = -1
	sysLinkat          = 37
	sysSymlink         = -1
	sysSymlinkat       = 36
	sysMknod           = -1
	sysMknodat         = 33
	sysTruncate        = 45
	sysChmod           = -1
	sysFchmod          = 52
	sysFchmodat        = 53
	sysFchmodat2       = 452
	sysChown           = -1
	sysFchown          = 55
	sysLchown          = -1
	sysFchownat        = 54
	sysUtime           = -1
	sysUtimes          = -1
	sysUtimensat       = 88
	sysFutimesat       = -1
	sysSetxattr        = 5
	sysLsetxattr       = 6
	sysFsetxattr       = 7
	sysRemovexattr     = 14
	sysLremovexattr    = 15
	sysFremovexattr    = 16
	sysPtrace          = 117
	sysProcessVMReadv  = 270
	sysProcessVMWritev = 271
	sysProcessMadvise  = 440
	sysPidfdGetfd      = 438
	sysMount           = 40
	sysUmount2         = 39
	sysPivotRoot       = 41
	sysChroot          = 51
	sysOpenTree        = 428
	sysMoveMount       = 429
	sysFsopen          = 430
	sysFsconfig        = 431
	sysFsmount         = 432
	sysFspick          = 433
	sysMountSetattr    = 442
	sysUnshare         = 97
	sysSetns           = 268
	sysInitModule      = 105
	sysFinitModule     = 273
	sysDeleteModule    = 106
	sysKexecLoad       = 104
	sysKexecFileLoad   = 294
	sysBpf             = 280
	sysPerfEventOpen   = 241
	sysUserfaultfd     = 282
	sysKeyctl          = 219
	sysAddKey          = 217
	sysRequestKey      = 218
	sysIOUringSetup    = 425
	sysIOUringEnter    = 426
	sysIOUringRegister = 427
)
