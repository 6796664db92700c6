//go:build linux

package probe

// The numbers package syscall lacks for arm64.
const (
	sysProcessVMReadv = 270
	sysSetns          = 268
)

// archProbes: arm64 has no open(2) or creat(2).
var archProbes []Probe
