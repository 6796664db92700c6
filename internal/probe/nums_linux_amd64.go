//go:build linux

package probe

// The numbers package syscall lacks for x86-64.
const (
	sysProcessVMReadv = 310
	sysSetns          = 308
)
