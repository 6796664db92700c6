package harness

// This file makes network namespaces joined by veth pairs, which stand
// for hosts on a private network, and dials into them.

// #define _GNU_SOURCE
// #include <sched.h>
import "C"

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// NetNS is a network namespace that the test made with "ip netns add"
// and that is deleted when the test ends, with the veth ends in it.
// Its loopback interface is up.
type NetNS struct {
	Name string
}

// RequireNetNS skips the test, or fails it under CI, unless ip(8)
// exists and can add a network namespace.
func RequireNetNS(tb testing.TB) {
	tb.Helper()
	Require(tb, "ip")
	name := fmt.Sprintf("kcgi-probe-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		Missing(tb, fmt.Sprintf("network namespaces (ip netns add: %v: %s)", err, strings.TrimSpace(string(out))))
	}
	exec.Command("ip", "netns", "del", name).Run()
}

// AddNetNS adds the network namespace kcgi-PID-name, PID being the
// test process's.
func AddNetNS(tb testing.TB, name string) *NetNS {
	tb.Helper()
	n := &NetNS{Name: fmt.Sprintf("kcgi-%d-%s", os.Getpid(), name)}
	if err := ip("netns", "add", n.Name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := ip("netns", "del", n.Name); err != nil {
			tb.Error(err)
		}
	})
	if err := ip("-n", n.Name, "link", "set", "lo", "up"); err != nil {
		tb.Fatal(err)
	}
	return n
}

// Veth joins a and b with a veth pair, the interface aName in a with
// address aAddr and bName in b with bAddr (CIDR notation, such as
// 10.200.1.1/30), both up. The pair is made inside the namespaces: no
// interface or address ever exists outside them.
func Veth(tb testing.TB, a *NetNS, aName, aAddr string, b *NetNS, bName, bAddr string) {
	tb.Helper()
	steps := [][]string{
		{"-n", a.Name, "link", "add", aName, "type", "veth", "peer", "name", bName, "netns", b.Name},
		{"-n", a.Name, "addr", "add", aAddr, "dev", aName},
		{"-n", b.Name, "addr", "add", bAddr, "dev", bName},
		{"-n", a.Name, "link", "set", aName, "up"},
		{"-n", b.Name, "link", "set", bName, "up"},
	}
	for _, s := range steps {
		if err := ip(s...); err != nil {
			tb.Fatal(err)
		}
	}
}

// IP runs "ip -n NAME args...".
func (n *NetNS) IP(args ...string) error {
	return ip(append([]string{"-n", n.Name}, args...)...)
}

// Prefix returns "ip netns exec NAME", which runs a command in the
// namespace, in place (by exec).
func (n *NetNS) Prefix() []string { return []string{"ip", "netns", "exec", n.Name} }

// Command returns a command that runs name in the namespace.
func (n *NetNS) Command(name string, args ...string) *exec.Cmd {
	p := n.Prefix()
	return exec.Command(p[0], append(append(p[1:], name), args...)...)
}

// DialContext connects to addr from inside the namespace. The socket
// is made on a thread that entered the namespace; once made, it works
// from any thread.
func (n *NetNS) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// Never unlocked: the runtime ends the thread, which is in
		// the other namespace, with the goroutine.
		runtime.LockOSThread()
		f, err := os.Open(filepath.Join("/run/netns", n.Name))
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer f.Close()
		// cgo: package syscall has no SYS_SETNS on amd64.
		if r, err := C.setns(C.int(f.Fd()), C.CLONE_NEWNET); r != 0 {
			ch <- result{nil, fmt.Errorf("setns %s: %v", n.Name, err)}
			return
		}
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
