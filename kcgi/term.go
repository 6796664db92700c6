package kcgi

// This file tells Go code of a SIGTERM that arrives during a request:
// libkcgi's own handler only ends the loop once the request is done.

// #include "shim.h"
import "C"

import (
	"os"
	"sync"
	"syscall"
)

// term is the process's one pipe from kg_term, the SIGTERM handler
// put before libkcgi's, to the goroutine that closes the channel of the
// Server being served. It is made by the first Init, after libkcgi has
// forked, and never closed: the handler may write to it at any time.
var term struct {
	once sync.Once
	w    int // the write end, non-blocking; -1 if the pipe failed
	mu   sync.Mutex
	done chan struct{} // the current Server's; nil when none
}

// watchTerm has SIGTERM close done, until stopTerm.
func watchTerm(done chan struct{}) {
	term.once.Do(func() {
		var fd [2]int
		term.w = -1
		if syscall.Pipe2(fd[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC) != nil {
			return
		}
		term.w = fd[1]
		r := os.NewFile(uintptr(fd[0]), "kcgi-term")
		go func() {
			b := make([]byte, 64)
			for {
				if _, err := r.Read(b); err != nil {
					return
				}
				term.mu.Lock()
				closeOnce(term.done)
				term.mu.Unlock()
			}
		}()
	})
	term.mu.Lock()
	defer term.mu.Unlock()
	if term.w < 0 || C.kg_term_notify(C.int(term.w)) != 0 {
		return
	}
	term.done = done
}

// stopTerm closes done, if SIGTERM has not, and detaches it.
func stopTerm(done chan struct{}) {
	term.mu.Lock()
	defer term.mu.Unlock()
	if term.done == done {
		term.done = nil
	}
	closeOnce(done)
}

func closeOnce(c chan struct{}) {
	if c == nil {
		return
	}
	select {
	case <-c:
	default:
		close(c)
	}
}

// Terminating returns a channel that is closed when the worker receives
// SIGTERM (kfcgi(8) stopping), also during a request, or when it is
// freed. Parse returns ErrExit once the request in progress is freed; a
// request that may run long, such as a stream, should end when the
// channel closes.
func (s *Server) Terminating() <-chan struct{} { return s.done }
