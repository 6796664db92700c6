//go:build linux && (amd64 || arm64)

package kcgi

// This file holds the system call numbers the seccomp filter needs that
// are the same on every architecture: those from 424 (Linux 5.1) on.

const (
	sysSetxattrat    = 463
	sysRemovexattrat = 466
	sysOpenTreeAttr  = 467
	sysFileSetattr   = 469
	// sysFirstUnknown is the first number newer than this table: the
	// filter refuses it and every later call with ENOSYS.
	sysFirstUnknown = 470
)
