//go:build openbsd

package kcgi

// This file confines the process with pledge(2) and unveil(2). It has
// not been built or run: the project's tests run on Linux.

// #include <stdlib.h>
// #include <unistd.h>
import "C"

import (
	"strings"
	"unsafe"
)

// confine pledges p. PromiseStdio adds "recvfd": libkcgi's control
// process passes each FastCGI connection to the worker over a socket.
// execpromises stay NULL: a program executed later is not pledged.
func confine(p Promise) error {
	s := p.String()
	if p&PromiseStdio != 0 {
		s = strings.Replace(s, "stdio", "stdio recvfd", 1)
	}
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	if r, err := C.pledge(cs, nil); r != 0 {
		return err
	}
	return nil
}

func unveil(path, perms string) error {
	cpath, cperms := C.CString(path), C.CString(perms)
	defer C.free(unsafe.Pointer(cpath))
	defer C.free(unsafe.Pointer(cperms))
	if r, err := C.unveil(cpath, cperms); r != 0 {
		return err
	}
	return nil
}

func unveilLock() error {
	if r, err := C.unveil(nil, nil); r != 0 {
		return err
	}
	return nil
}
