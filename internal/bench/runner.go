package main

import (
	"fmt"
	"os"
	"testing"
)

// runner stands in for the testing.TB that the harness's StartKfcgi and
// StartNginx expect, so that they run outside a test. It implements the
// methods they call; the embedded nil TB makes any other call panic.
type runner struct {
	testing.TB
	cleanups []func()
	failed   bool
}

// fatal is the panic value of Fatal, recovered by try.
type fatal struct{ msg string }

func (r *runner) Name() string     { return "bench" }
func (r *runner) Helper()          {}
func (r *runner) Failed() bool     { return r.failed }
func (r *runner) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

func (r *runner) TempDir() string {
	d, err := os.MkdirTemp("", "kcgi-bench-")
	if err != nil {
		r.Fatal(err)
	}
	r.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func (r *runner) Log(args ...any)                 { fmt.Fprintln(os.Stderr, args...) }
func (r *runner) Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

func (r *runner) Error(args ...any) {
	r.failed = true
	r.Log(args...)
}

func (r *runner) Errorf(format string, args ...any) {
	r.failed = true
	r.Logf(format, args...)
}

func (r *runner) Fatal(args ...any)                 { panic(fatal{fmt.Sprint(args...)}) }
func (r *runner) Fatalf(format string, args ...any) { panic(fatal{fmt.Sprintf(format, args...)}) }
func (r *runner) Skip(args ...any)                  { r.Fatal(args...) }

// try runs f and turns a Fatal inside it into an error.
func (r *runner) try(f func()) (err error) {
	defer func() {
		if v := recover(); v != nil {
			f, ok := v.(fatal)
			if !ok {
				panic(v)
			}
			err = fmt.Errorf("%s", f.msg)
		}
	}()
	f()
	return nil
}

// close runs the cleanups, last registered first.
func (r *runner) close() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.cleanups = nil
}
