// Package probe makes the system calls a confined worker must not make
// and reports their errors, for the tests and cmd/confined. Each probe
// aims at nothing (a path that does not exist, a process ID beyond any
// there can be), so that, unconfined, it fails in its own way or does
// no harm, and a refusal by the seccomp filter (EPERM or ENOSYS) stands
// out.
package probe

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"syscall"
)

// A Probe is one attempt.
type Probe struct {
	Name string
	// Needs are the promises (pledge names) that allow the call; none
	// means it is never allowed.
	Needs []string
	// Denied is the error of the call when refused.
	Denied syscall.Errno
	Run    func() syscall.Errno
}

// Missing is the first of the probe's needs not in promises, a
// space-separated list such as "stdio rpath", and true if the probe
// has no needs and is always refused.
func (p Probe) Missing(promises string) (string, bool) {
	have := strings.Fields(promises)
	for _, n := range p.Needs {
		if !slices.Contains(have, n) {
			return n, true
		}
	}
	return "", len(p.Needs) == 0
}

// nowhere is a path that does not exist, in the jail or out of it.
const nowhere = "/nonexistent-kcgi-probe"

// nobody is a process ID above the kernel's PID_MAX_LIMIT.
const nobody = 0x7fffffff

// RunAll runs every probe and writes one line per probe, "name=errno",
// the errno as a number (0: success).
func RunAll() string {
	var b strings.Builder
	for _, p := range All {
		fmt.Fprintf(&b, "%s=%d\n", p.Name, int(p.Run()))
	}
	return b.String()
}

// Parse reads what RunAll wrote.
func Parse(s string) map[string]syscall.Errno {
	m := map[string]syscall.Errno{}
	for _, l := range strings.Split(s, "\n") {
		var name string
		var e int
		if i := strings.IndexByte(l, '='); i > 0 {
			name = l[:i]
			if _, err := fmt.Sscanf(l[i+1:], "%d", &e); err == nil {
				m[name] = syscall.Errno(e)
			}
		}
	}
	return m
}

// Check compares what RunAll wrote, in out, with what promises allow:
// each of ps must have a result, its Denied error exactly when promises
// lack what it needs. It returns one line per difference.
func Check(out, promises string, ps []Probe) []string {
	got := Parse(out)
	var bad []string
	for _, p := range ps {
		e, ok := got[p.Name]
		missing, refused := p.Missing(promises)
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("%s: no result", p.Name))
		case refused && e != p.Denied:
			bad = append(bad, fmt.Sprintf("%s without %q: got %v (%d), want %v", p.Name, missing, e, int(e), p.Denied))
		case !refused && e == p.Denied:
			bad = append(bad, fmt.Sprintf("%s with %q: refused: %v", p.Name, promises, e))
		}
	}
	return bad
}

// Dial connects to the TCP address addr and returns the error, nil on
// success.
func Dial(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}
