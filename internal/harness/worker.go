package harness

// This file runs a package's own test binary as a FastCGI worker on a
// listening socket passed as its standard input, as kfcgi's fixed pool
// does, for the package tests and benchmarks.

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A Worker is the test binary serving FastCGI on Socket.
type Worker struct {
	Socket string
	cmd    *exec.Cmd
	stderr lockedBuffer
	done   chan error
}

// lockedBuffer is a bytes.Buffer that exec's copying goroutine writes
// while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// StartWorker re-executes the test binary with env added to its
// environment and no tests to run; the binary's TestMain must see one of
// env's variables and serve FastCGI instead. The worker is stopped with
// SIGTERM when the test ends.
func StartWorker(tb testing.TB, env ...string) *Worker {
	tb.Helper()
	w := &Worker{Socket: filepath.Join(tb.TempDir(), "w.sock"), done: make(chan error, 1)}
	ln, err := net.Listen("unix", w.Socket)
	if err != nil {
		tb.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	lf, err := ln.(*net.UnixListener).File()
	ln.Close()
	if err != nil {
		tb.Fatal(err)
	}
	defer lf.Close()
	w.cmd = exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	w.cmd.Env = append(os.Environ(), env...)
	w.cmd.Stdin = lf
	w.cmd.Stderr = &w.stderr
	if err := w.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { w.done <- w.cmd.Wait() }()
	tb.Cleanup(func() {
		if _, err := w.Stop(); err != nil {
			tb.Error(err)
		}
	})
	return w
}

// Stderr is what the worker wrote to standard error so far: what it
// wrote just before answering may still be on its way (see
// WaitStderr); all of it once it has exited.
func (w *Worker) Stderr() string { return w.stderr.String() }

// WaitStderr waits up to d for the worker's standard error to satisfy
// ok, and returns it.
func (w *Worker) WaitStderr(ok func(string) bool, d time.Duration) string {
	for end := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		if out := w.Stderr(); ok(out) || time.Now().After(end) {
			return out
		}
	}
}

// Pid is the worker's process ID.
func (w *Worker) Pid() int { return w.cmd.Process.Pid }

// Do sends one GET request for path with query and extra params, and
// returns the STDOUT stream and the raw record stream.
func (w *Worker) Do(path, query string, params ...Param) (string, []byte, error) {
	req := FCGIRequest{Params: append([]Param{
		{Name: "REQUEST_METHOD", Value: "GET"},
		{Name: "SCRIPT_NAME", Value: "/app"},
		{Name: "PATH_INFO", Value: path},
		{Name: "QUERY_STRING", Value: query},
	}, params...)}
	return w.DoRequest(req)
}

// DoRequest sends req and returns the STDOUT stream and the raw record
// stream.
func (w *Worker) DoRequest(req FCGIRequest) (string, []byte, error) {
	raw, err := FCGIDo("unix", w.Socket, req.Bytes(), 30*time.Second)
	if err != nil {
		return "", raw, fmt.Errorf("%v\nworker stderr:\n%s", err, w.stderr.String())
	}
	recs, err := ParseRecords(raw)
	if err != nil {
		return "", raw, err
	}
	return string(Stdout(recs)), raw, nil
}

// Exited returns the worker's exit error and true if it has exited.
func (w *Worker) Exited() (error, bool) {
	select {
	case err := <-w.done:
		w.done <- err
		return err, true
	default:
		return nil, false
	}
}

// Stop sends SIGTERM and returns how long the worker took to exit; after
// 5 s it kills the worker and returns an error.
func (w *Worker) Stop() (time.Duration, error) {
	start := time.Now()
	w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-w.done:
		w.done <- err
		return time.Since(start), nil
	case <-time.After(5 * time.Second):
		w.cmd.Process.Kill()
		<-w.done
		w.done <- nil
		return time.Since(start), fmt.Errorf("worker ignored SIGTERM for 5s\n%s", w.stderr.String())
	}
}
