package kcgi

// This file holds the FastCGI server: khttp_fcgi_init, the parse loop,
// and khttp_fcgi_free.

// #include "shim.h"
import "C"

import (
	"fmt"
	"runtime"
	"time"
	"unsafe"
)

// A Server is a FastCGI worker (struct kfcgi), normally run by kfcgi(8).
// It is not safe for concurrent use: one goroutine calls Parse in a
// loop, and frees each Request before the next Parse. The Request's
// response may be written from another goroutine meanwhile, one call
// at a time, as long as the Request is freed before the next Parse.
type Server struct {
	f    *C.struct_kfcgi
	req  *C.struct_kreq // what each Parse fills, one at a time
	cfg  *cconfig
	r    Request       // the Request each Parse returns; r.req is nil once freed
	done chan struct{} // see Terminating
	// yielded is when Parse last yielded to the scheduler.
	yielded time.Time
}

// yieldEvery is how often Parse yields. A locked goroutine that only
// calls C is never rescheduled, so the runtime's monitor thread takes
// it for long-running and hands off its processor at every tick spent in
// libkcgi, waking idle threads: a third more CPU per request. Yielding
// now and then shows that the goroutine is scheduled.
const yieldEvery = 5 * time.Millisecond

// Init starts a FastCGI worker (khttp_fcgi_initx(3)): it forks libkcgi's
// sandboxed control and parser processes and connects to the listening
// socket kfcgi(8) passes in, in either of its pool modes. Call it first
// in main, before starting goroutines or opening descriptors: the
// children inherit them. Init locks the calling goroutine to its OS
// thread for good (libkcgi changes the thread's signal mask); call
// Parse and Free from the same goroutine.
//
// With a Config.Confine, Init confines the worker before it returns
// (see [Confine]): libkcgi's children are forked by then, and Parse,
// Free and SIGTERM need no promise but PromiseStdio.
//
// A nil cfg is the zero Config. Init returns an error wrapping ErrConfig
// for an invalid Config, one wrapping an [Error] from libkcgi, and one
// wrapping Confine's error, after freeing the server, if the worker
// could not be confined.
func Init(cfg *Config) (*Server, error) {
	c, err := newCConfig(cfg)
	if err != nil {
		return nil, opError("Init", err)
	}
	runtime.LockOSThread()
	ignoreSIGPIPE()
	s := &Server{cfg: c}
	if err := kerr(C.kg_fcgi_init(&s.f, c.c)); err != nil {
		c.free()
		runtime.UnlockOSThread()
		return nil, opError("Init", err)
	}
	s.req = (*C.struct_kreq)(czero(C.sizeof_struct_kreq))
	s.done = make(chan struct{})
	watchTerm(s.done)
	if c.confine != 0 {
		if err := Confine(c.confine); err != nil {
			s.Free()
			return nil, opError("Init", err)
		}
	}
	return s, nil
}

// Parse waits for the next request and parses it
// (khttp_fcgi_parse(3)). It returns ErrExit when the worker must stop:
// kfcgi(8) sent SIGTERM or closed the connection. Any other error also
// ends the loop: libkcgi cannot go on. The request must be freed before
// the next Parse, which otherwise returns ErrState. Parse returns the
// same *Request every time, filled anew.
func (s *Server) Parse() (*Request, error) {
	switch {
	case s.f == nil:
		return nil, opError("Parse", ErrFreed)
	case s.r.req != nil:
		return nil, opError("Parse", fmt.Errorf("%w (previous request not freed)", ErrState))
	}
	if now := time.Now(); now.Sub(s.yielded) > yieldEvery {
		s.yielded = now
		runtime.Gosched()
	}
	if err := kerr(C.kg_fcgi_parse(s.f, s.req)); err != nil {
		return nil, opError("Parse", err)
	}
	s.r.reset(s.req, s.cfg, false)
	return &s.r, nil
}

// Free stops the worker (khttp_fcgi_free(3)): it closes the connections
// to libkcgi's children, waits for them to exit, frees the
// configuration and gives SIGTERM back to the Go runtime. A request not
// yet freed is freed first. Calling Free again does nothing and returns
// nil.
func (s *Server) Free() error {
	if s.f == nil {
		return nil
	}
	s.r.Free() // the request not yet freed, if any
	err := kerr(C.kg_fcgi_free(s.f))
	stopTerm(s.done)
	s.f = nil
	C.free(unsafe.Pointer(s.req))
	s.cfg.free()
	return opError("Free", err)
}

// IsFastCGI reports whether the process was started as a FastCGI worker
// (khttp_fcgi_test(3)): by kfcgi(8) in either pool mode, or with a
// listening socket as standard input. A program can call it first to
// serve either FastCGI (Init) or CGI (ParseCGI).
func IsFastCGI() bool {
	return C.khttp_fcgi_test() != 0
}

// ParseCGI parses the request of a CGI program (khttp_parsex(3)), once
// per process: libkcgi forks its sandboxed parser, which reads the
// environment and standard input. The response goes to standard output.
// As with Init, call it first in main. A nil cfg is the zero Config.
// With a Config.Confine, the program is confined after the parse (see
// [Confine]); if that fails, the request is freed and the error wraps
// Confine's.
func ParseCGI(cfg *Config) (*Request, error) {
	c, err := newCConfig(cfg)
	if err != nil {
		return nil, opError("ParseCGI", err)
	}
	ignoreSIGPIPE()
	req := (*C.struct_kreq)(czero(C.sizeof_struct_kreq))
	if err := kerr(C.kg_parse(req, c.c)); err != nil {
		C.free(unsafe.Pointer(req))
		c.free()
		return nil, opError("ParseCGI", err)
	}
	r := new(Request)
	r.reset(req, c, true)
	if c.confine != 0 {
		if err := Confine(c.confine); err != nil {
			r.Free()
			return nil, opError("ParseCGI", err)
		}
	}
	return r, nil
}
