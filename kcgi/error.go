package kcgi

// This file holds the errors: libkcgi's enum kcgi_err, and the misuse
// errors the binding returns instead of reaching one of libkcgi's
// assert(3) or exit(3) calls.

// #include "shim.h"
import "C"

import (
	"errors"
	"strings"
)

// Error is a libkcgi error code, enum kcgi_err. Its text is
// kcgi_strerror's.
type Error int

// The libkcgi error codes. KCGI_OK is not an error: functions return nil.
const (
	ErrNoMem  Error = C.KCGI_ENOMEM // memory or fork failure
	ErrExit   Error = C.KCGI_EXIT   // the FastCGI loop must end: no more requests
	ErrHup    Error = C.KCGI_HUP    // the connection closed
	ErrNFile  Error = C.KCGI_ENFILE // out of descriptors
	ErrAgain  Error = C.KCGI_EAGAIN // fork failed for lack of resources
	ErrForm   Error = C.KCGI_FORM   // malformed data or a call out of place
	ErrSystem Error = C.KCGI_SYSTEM // an operating-system error
	ErrWriter Error = C.KCGI_WRITER // a writer error
)

func (e Error) Error() string {
	if e <= C.KCGI_OK || e > C.KCGI_WRITER {
		return "kcgi: unknown error"
	}
	return "kcgi: " + C.GoString(C.kcgi_strerror(C.enum_kcgi_err(e)))
}

// Misuse of a [Request] or [Server] returns one of these, in an
// [OpError]; the request or server is left as it was.
var (
	// ErrFreed: the request or server was already freed.
	ErrFreed = errors.New("kcgi: already freed")
	// ErrState: the call is out of order, such as Head after Body or
	// Write before Body.
	ErrState = errors.New("kcgi: call out of order")
	// ErrHeader: a header name or value is empty where it may not be,
	// or holds CR, LF or NUL; nothing was written.
	ErrHeader = errors.New("kcgi: invalid header")
	// ErrConfig: the Config is invalid.
	ErrConfig = errors.New("kcgi: invalid configuration")
)

// An OpError is the error of a call of the package: the call that
// failed, such as "Parse" or "Head", and why, an [Error] from libkcgi or
// one of the misuse errors. errors.Is sees through it.
type OpError struct {
	Op  string
	Err error
}

func (e *OpError) Error() string {
	return "kcgi: " + e.Op + ": " + strings.TrimPrefix(e.Err.Error(), "kcgi: ")
}

func (e *OpError) Unwrap() error { return e.Err }

// opError returns err, if not nil, as the error of call op.
func opError(op string, err error) error {
	if err == nil {
		return nil
	}
	return &OpError{Op: op, Err: err}
}

// kerr converts a libkcgi return code.
func kerr(e C.enum_kcgi_err) error {
	if e == C.KCGI_OK {
		return nil
	}
	return Error(e)
}
