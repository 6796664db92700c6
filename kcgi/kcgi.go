// Package kcgi is a cgo binding to libkcgi, kcgi's CGI and FastCGI
// library for C, keeping what makes it worth using: every request is
// parsed and validated in a forked child process that libkcgi
// sandboxes (pledge(2) on OpenBSD, seccomp on Linux), and kfcgi(8) runs
// the workers in a chroot jail.
//
// The C calls are Go functions and methods of the same names:
// [Init] (khttp_fcgi_init(3)), [Server.Parse] (khttp_fcgi_parse(3)),
// [Server.Free] (khttp_fcgi_free(3)), [ParseCGI] (khttp_parse(3)),
// [Request.Head] (khttp_head(3)), [Request.Body] (khttp_body(3)),
// [Request.Write] and [Request.Puts] (khttp_write(3)), and
// [Request.Free] (khttp_free(3)). What a request carries is copied into
// Go values the first time it is read, so nothing points into C memory
// after Free, and a program that reads nothing allocates nothing. The
// errors of calls are [OpError]s naming the call, wrapping an [Error]
// taken from enum kcgi_err or a misuse error, and work with
// [errors.Is]; [ErrExit] ends the FastCGI loop.
//
// The net/http.Handler adapter is package kcgihttp, under this one.
//
// A FastCGI worker, as in kcgi's tutorial:
//
//	srv, err := kcgi.Init(nil)
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer srv.Free()
//	for {
//		r, err := srv.Parse()
//		if err != nil {
//			break // errors.Is(err, kcgi.ErrExit) at shutdown
//		}
//		r.Head(kcgi.RespStatus.String(), kcgi.Status200.String())
//		r.Head(kcgi.RespContentType.String(), kcgi.MIMETextPlain.String())
//		r.Body()
//		r.Puts("Hello, world!\n")
//		r.Free()
//	}
//
// # libkcgi inside a Go process
//
// libkcgi was written for single-threaded C programs. The binding makes
// it safe in a Go process, and asks three things of its users:
//
//   - Call [Init] (or [ParseCGI]) first in main, before starting
//     goroutines and before opening files or sockets: libkcgi forks its
//     sandboxed children there, and they inherit every open descriptor.
//     Init locks the calling goroutine to its OS thread; call Parse from
//     that goroutine.
//   - Validators run in the sandboxed child, so they are libkcgi's own C
//     functions ([Validator]); validate further in Go after Parse.
//   - SIGPIPE is ignored by the process (libkcgi saves and restores its
//     handler around every write with signal(3), which strips the flags
//     the Go runtime needs), and a broken pipe is an EPIPE error, also on
//     standard output. Do not call signal.Notify or signal.Reset for
//     SIGPIPE or SIGTERM: SIGTERM belongs to libkcgi, and ends the loop
//     with [ErrExit].
//
// libkcgi treats an interrupted poll(2) as fatal, and the Go runtime
// signals its own threads, so every libkcgi call that may wait, write
// or fork runs with asynchronous signals blocked on its thread, and
// restores the mask before it returns: Go code, and the programs it
// starts, run with the mask Go set. The handler libkcgi installs for
// SIGTERM gets SA_ONSTACK, and Free gives SIGTERM back to the Go
// runtime. See the project's README for the details.
//
// # Confining the worker
//
// A worker can drop, once libkcgi has forked its children, what it
// will never need: [Config.Confine] lists the [Promise]s it keeps,
// named after pledge(2)'s, and [Init] applies them with [Confine]
// (pledge(2) on OpenBSD, a seccomp filter on every thread on Linux).
// What is left out fails with EPERM, and the worker goes on.
//
// # Building
//
// The package finds libkcgi with pkg-config ("#cgo pkg-config: kcgi").
// Workers run in a chroot without shared libraries, so link them
// statically: on Linux,
//
//	go build -tags netgo,osusergo -ldflags '-linkmode external -extldflags -static'
//
// On OpenBSD Go cannot link statically; link libkcgi statically and copy
// ld.so and libc into the jail, as the project's Makefile does with
// LINK=dynamic.
package kcgi

// #cgo pkg-config: kcgi
// #include <signal.h>
// #include "shim.h"
import "C"

import (
	"os/signal"
	"syscall"
)

// Version is the version of the libkcgi the package was built against,
// such as "1.0.1" (KCGI_VERSION in kcgi.h). The package supports 0.13.4
// and later.
const Version = C.KCGI_VERSION

// HaveEnv reports whether libkcgi passes on the request's CGI or FastCGI
// environment ([Request.Env]): it does from 1.0.0 on. Before, a Request
// carries only what libkcgi parsed from it: the method, PATH_INFO and
// its parts, SCRIPT_NAME, the host, port, remote address and scheme,
// the authorization, the HTTP headers, the fields and the cookies. It
// has no query string, REQUEST_URI, CONTENT_TYPE or SERVER_PROTOCOL.
const HaveEnv = C.KG_HAVE_ENVS != 0

// ignoreSIGPIPE makes libkcgi's save and restore of the SIGPIPE handler
// harmless: signal(3) would reinstall Go's handler without SA_ONSTACK and
// SA_SIGINFO, and the next broken pipe in Go code would crash the
// process.
func ignoreSIGPIPE() {
	signal.Ignore(syscall.SIGPIPE)
}

// sigOnStack reports whether the handler of sig has SA_ONSTACK; the
// tests check the handler libkcgi installs for SIGTERM.
func sigOnStack(sig syscall.Signal) bool {
	return C.kg_sigflags(C.int(sig))&C.SA_ONSTACK != 0
}

// sigGoHandler reports whether the handler of sig is the Go runtime's
// (installed with SA_SIGINFO, which libkcgi's signal(3) lacks).
func sigGoHandler(sig syscall.Signal) bool {
	return C.kg_sigflags(C.int(sig))&C.SA_SIGINFO != 0
}

// sigBlocked reports whether sig is blocked on the calling thread; the
// tests check that libkcgi's mask changes do not outlive its calls.
func sigBlocked(sig syscall.Signal) bool {
	return C.kg_sigblocked(C.int(sig)) == 1
}
