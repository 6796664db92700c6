//go:build linux && (amd64 || arm64)

package kcgi

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/kcgi-go/kcgi-go/internal/probe"
)

// onOldThread runs functions on a thread that was there before the
// worker confined itself.
var onOldThread chan func()

// startOldThread starts that thread, before Init.
func startOldThread() {
	onOldThread = make(chan func())
	go func() {
		runtime.LockOSThread()
		for f := range onOldThread {
			f()
		}
	}()
}

// confined answers the page "confine" of a worker started with
// KCGI_TEST_CONFINE: what each probe returned, on the server's thread
// and on the old thread (prefixed "old/"), and whether the Go runtime
// still works, reading the test binary if it may.
func confined(r *Request) {
	r.Puts(probe.RunAll())
	old := make(chan string)
	onOldThread <- func() { old <- probe.RunAll() }
	r.Puts(strings.ReplaceAll("\n"+<-old, "\n", "\nold/"))
	file := ""
	if strings.Contains(os.Getenv("KCGI_TEST_CONFINE"), "rpath") {
		file = os.Args[0]
	}
	fmt.Fprintf(r, "runtime=%q\n", probe.Runtime(file))
}

func TestPromiseString(t *testing.T) {
	for _, tt := range []struct {
		p Promise
		s string
	}{
		{0, ""},
		{PromiseStdio, "stdio"},
		{PromiseStdio | PromiseRPath | PromiseInet, "stdio rpath inet"},
		{promiseMax - 1, "stdio rpath wpath cpath inet unix proc exec"},
	} {
		if got := tt.p.String(); got != tt.s {
			t.Errorf("%#x: got %q, want %q", uint(tt.p), got, tt.s)
		}
		if p, err := ParsePromises(tt.s); err != nil || p != tt.p {
			t.Errorf("ParsePromises(%q) = %v, %v; want %v", tt.s, p, err, tt.p)
		}
	}
	_, err := ParsePromises("stdio fattr")
	var op *OpError
	if !errors.Is(err, ErrConfig) || !errors.As(err, &op) || op.Op != "ParsePromises" {
		t.Errorf("unknown promise: %v", err)
	}
	if err := Confine(promiseMax); !errors.Is(err, ErrConfig) {
		t.Errorf("Confine(%v): %v", promiseMax, err)
	}
	if _, err := Init(&Config{Confine: promiseMax}); !errors.Is(err, ErrConfig) {
		t.Errorf("Init with Confine %v: %v", promiseMax, err)
	}
	if err := Unveil("/", "r"); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Unveil: %v", err)
	}
}

// The filter is well formed: no call has two rules, every jump lands
// inside it, and it ends in a return.
func TestFilterJumps(t *testing.T) {
	for p := Promise(0); p < promiseMax; p += PromiseStdio {
		seen := map[int]bool{}
		for _, r := range rules(p | PromiseStdio) {
			if r.nr >= 0 && seen[r.nr] {
				t.Fatalf("%v: two rules for system call %d", p, r.nr)
			}
			seen[r.nr] = true
		}
		f := program(rules(p | PromiseStdio))
		if f[len(f)-1].code != bpfRetK {
			t.Fatalf("%v: does not end in a return", p)
		}
		for i, in := range f {
			switch {
			case in.code == bpfJa && i+1+int(in.k) >= len(f),
				in.code&0x07 == 0x05 && in.code != bpfJa && i+1+int(max(in.jt, in.jf)) >= len(f):
				t.Fatalf("%v: instruction %d jumps out of the filter", p, i)
			}
		}
	}
}

// The probes do not look refused when the process is not confined
// (here, the test process itself).
func TestProbesUnconfined(t *testing.T) {
	for _, p := range probe.All {
		if e := p.Run(); e == p.Denied {
			t.Errorf("%s: %v without confinement", p.Name, e)
		}
	}
}

// A worker confined through Config.Confine gets EPERM (ENOSYS for
// clone3) for what its promises leave out, keeps serving, its Go runtime
// keeps working under load from a churning goroutine, and SIGTERM still
// ends its loop with ErrExit.
func TestConfineWorker(t *testing.T) {
	for _, promises := range []string{"stdio", "stdio rpath", "stdio wpath cpath exec", "stdio rpath wpath cpath inet unix proc"} {
		t.Run(strings.ReplaceAll(promises, " ", "+"), func(t *testing.T) {
			w := startWorker(t, "KCGI_TEST_CONFINE="+promises, "KCGI_TEST_CHURN=1")
			for range 3 {
				out, _ := w.do(t, "/confine", "")
				for _, bad := range probe.Check(out, promises, append(probe.All, oldThread(probe.All)...)) {
					t.Errorf("%s, in %q", bad, out)
				}
				if !strings.Contains(out, `runtime=""`) {
					t.Errorf("Go runtime: %s", out[strings.Index(out, "runtime="):])
				}
				if out, _ := w.do(t, "/", ""); !strings.HasSuffix(out, "Hello, world!\n") {
					t.Fatalf("after the probes: %q", out)
				}
			}
			w.alive(t)
			d := w.stop(t)
			log := w.Stderr()
			noCrash(t, log)
			if !strings.Contains(log, "exit=true") || d > 1500*1e6 {
				t.Errorf("SIGTERM: exit after %v, log:\n%s", d, log)
			}
		})
	}
}

// A second Confine drops more: a worker confined to "stdio rpath"
// loses rpath, and no call takes it back.
func TestConfineTwice(t *testing.T) {
	w := startWorker(t, "KCGI_TEST_CONFINE=stdio rpath")
	read := func() syscall.Errno {
		out, _ := w.do(t, "/confine", "")
		return probe.Parse(out)["open-read"]
	}
	if e := read(); e == syscall.EPERM {
		t.Fatalf("open for reading with rpath: %v", e)
	}
	if out, _ := w.do(t, "/narrow", ""); !strings.Contains(out, "narrow: <nil>") {
		t.Fatalf("second Confine: %q", out)
	}
	if e := read(); e != syscall.EPERM {
		t.Fatalf("open for reading after dropping rpath: %v", e)
	}
	w.alive(t)
}

// oldThread renames the probes as confined() reports them from the old
// thread.
func oldThread(ps []probe.Probe) []probe.Probe {
	var old []probe.Probe
	for _, p := range ps {
		p.Name = "old/" + p.Name
		old = append(old, p)
	}
	return old
}

// errors.Is finds the errno through Confine's OpError.
func TestConfineErrorChain(t *testing.T) {
	err := opError("Init", opError("Confine", fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER): %w", syscall.EINVAL)))
	if !errors.Is(err, syscall.EINVAL) || err.Error() != "kcgi: Init: Confine: seccomp(SECCOMP_SET_MODE_FILTER): invalid argument" {
		t.Errorf("got %v", err)
	}
}
