//go:build linux

package kcgi

// This file holds the x86-64 numbers the seccomp filter needs: the
// audit architecture and the system calls (asm/unistd_64.h). -1 marks
// a call the architecture does not have.

const (
	auditArch = 0xc000003e // AUDIT_ARCH_X86_64
	// x32ABI is the bit of an x32 system call number: the same
	// architecture, another ABI, which the filter refuses.
	x32ABI = 0x40000000

	sysPrctl   = 157
	sysSeccomp = 317

	sysExecve   = 59
	sysExecveat = 322
	sysSocket   = 41
	sysClone    = 56
	sysClone3   = 435
	sysFork     = 57
	sysVfork    = 58

	sysOpen            = 2
	sysOpenat          = 257
	sysOpenat2         = 437
	sysCreat           = 85
	sysOpenByHandleAt  = 304
	sysUnlink          = 87
	sysUnlinkat        = 263
	sysRename          = 82
	sysRenameat        = 264
	sysRenameat2       = 316
	sysMkdir           = 83
	sysMkdirat         = 258
	sysRmdir           = 84
	sysLink            = 86
	sysLinkat          = 265
	sysSymlink         = 88
	sysSymlinkat       = 266
	sysMknod           = 133
	sysMknodat         = 259
	sysTruncate        = 76
	sysChmod           = 90
	sysFchmod          = 91
	sysFchmodat        = 268
	sysFchmodat2       = 452
	sysChown           = 92
	sysFchown          = 93
	sysLchown          = 94
	sysFchownat        = 260
	sysUtime           = 132
	sysUtimes          = 235
	sysUtimensat       = 280
	sysFutimesat       = 261
	sysSetxattr        = 188
	sysLsetxattr       = 189
	sysFsetxattr       = 190
	sysRemovexattr     = 197
	sysLremovexattr    = 198
	sysFremovexattr    = 199
	sysPtrace          = 101
	sysProcessVMReadv  = 310
	sysProcessVMWritev = 311
	sysProcessMadvise  = 440
	sysPidfdGetfd      = 438
	sysMount           = 165
	sysUmount2         = 166
	sysPivotRoot       = 155
	sysChroot          = 161
	sysOpenTree        = 428
	sysMoveMount       = 429
	sysFsopen          = 430
	sysFsconfig        = 431
	sysFsmount         = 432
	sysFspick          = 433
	sysMountSetattr    = 442
	sysUnshare         = 272
	sysSetns           = 308
	sysInitModule      = 175
	sysFinitModule     = 313
	sysDeleteModule    = 176
	sysKexecLoad       = 246
	sysKexecFileLoad   = 320
	sysBpf             = 321
	sysPerfEventOpen   = 298
	sysUserfaultfd     = 323
	sysKeyctl          = 250
	sysAddKey          = 248
	sysRequestKey      = 249
	sysIOUringSetup    = 425
	sysIOUringEnter    = 426
	sysIOUringRegister = 427
)
