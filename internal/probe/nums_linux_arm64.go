//go:build linux

package probe

// The numbers package syscall lacks for arm64.
const (
	sysProcessVMReadv = 270
	sysSetns          = 268
)
