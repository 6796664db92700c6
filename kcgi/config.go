package kcgi

// This file holds the Config shared by Init and ParseCGI, and the C
// copies of it that libkcgi keeps pointers to.

// #include "shim.h"
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// Config says what libkcgi parses and validates. The zero Config (or a
// nil *Config) is kcgi's tutorial: no pages, no keys.
type Config struct {
	// Keys lists the form and cookie keys to recognise, each with the
	// validator libkcgi runs on its values. A Pair's KeyIndex is its
	// position here, and Request.Field looks values up by it.
	Keys []Key
	// Pages lists the page names: the first component of PATH_INFO,
	// matched without regard to case. Request.Page is its position here,
	// DefaultPage when there is no page name, and len(Pages) when the
	// name is unknown.
	Pages []string
	// DefaultPage is the page of a request without a page name.
	DefaultPage int
	// Debug logs what libkcgi reads and writes to standard error.
	Debug Debug
	// SendBuffer is libkcgi's output buffer size in bytes (kopts
	// sndbufsz), at most 1 GiB; zero picks libkcgi's default (8 KiB in
	// CGI, 65535 in FastCGI), and NoSendBuffer none.
	SendBuffer int
	// Confine, if not zero, confines the process to these promises
	// (and PromiseStdio) with [Confine], right after libkcgi has forked
	// its children in Init, or has parsed the request in ParseCGI.
	Confine Promise
}

// NoSendBuffer as Config.SendBuffer has libkcgi write what each call
// gives it straight to the wire, to standard output in CGI and as
// FastCGI records otherwise: each Write at once, a Head or Heads in four
// pieces (name, ": ", value, CRLF) and Body's blank line in one. A
// program that buffers in Go then decides when its output leaves, as
// http.Flusher does.
const NoSendBuffer = -1

// Debug selects libkcgi's debugging output (KREQ_DEBUG_*).
type Debug uint

// The debugging flags.
const (
	DebugWrite    Debug = C.KREQ_DEBUG_WRITE     // log what is written
	DebugReadBody Debug = C.KREQ_DEBUG_READ_BODY // log the request body
)

// Key is a form or cookie key and its validator (struct kvalid).
type Key struct {
	Name  string
	Valid Validator
}

// Validator is one of libkcgi's validation functions (kvalid_string(3)).
// They run in libkcgi's sandboxed child, where Go code cannot run (the
// child is a fork of the Go process without its threads, and its seccomp
// filter denies the system calls the Go runtime needs), so there are no
// Go validators: check further in Go after Parse, with the Pair's State,
// Type and parsed value.
type Validator int

// The validators, by libkcgi's names for them. ValidNone leaves values
// unchecked.
const (
	ValidNone     Validator = C.KG_VALID_NONE
	ValidBit      Validator = C.KG_VALID_BIT      // kvalid_bit: integer 0 to 64
	ValidDate     Validator = C.KG_VALID_DATE     // kvalid_date: yyyy-mm-dd, parsed as epoch seconds
	ValidDouble   Validator = C.KG_VALID_DOUBLE   // kvalid_double: a decimal number (strtod(3): inf, nan and hex too)
	ValidEmail    Validator = C.KG_VALID_EMAIL    // kvalid_email: an e-mail address, trimmed and lowercased
	ValidInt      Validator = C.KG_VALID_INT      // kvalid_int: a signed 64-bit integer
	ValidString   Validator = C.KG_VALID_STRING   // kvalid_string: any string without NUL
	ValidStringNE Validator = C.KG_VALID_STRINGNE // kvalid_stringne: a non-empty string without NUL
	ValidUDouble  Validator = C.KG_VALID_UDOUBLE  // kvalid_udouble: a decimal number above zero
	ValidUint     Validator = C.KG_VALID_UINT     // kvalid_uint: an unsigned 63-bit integer
	validMax      Validator = C.KG_VALID__MAX
)

// String is the validator's name without "kvalid_", such as "int".
func (v Validator) String() string {
	if v < 0 || v >= validMax {
		return fmt.Sprintf("Validator(%d)", int(v))
	}
	return C.GoString(C.kg_validators[v].name)
}

// maxSendBuffer bounds Config.SendBuffer: libkcgi 1.0.1 answers a failed
// buffer allocation with a request it has already freed.
const maxSendBuffer = 1 << 30

// cconfig is a Config in C memory (struct kg_config): libkcgi keeps
// pointers to the keys and pages for as long as the server lives, and C
// may not keep Go pointers.
type cconfig struct {
	c     *C.struct_kg_config
	valid []Validator // the Keys' validators, for Pair.String and the buckets
	// confine is Config.Confine, applied once libkcgi has forked.
	confine Promise
}

func newCConfig(cfg *Config) (*cconfig, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	if cfg.DefaultPage < 0 || (len(cfg.Pages) > 0 && cfg.DefaultPage >= len(cfg.Pages)) {
		return nil, fmt.Errorf("%w: DefaultPage %d with %d pages", ErrConfig, cfg.DefaultPage, len(cfg.Pages))
	}
	if cfg.SendBuffer < NoSendBuffer || cfg.SendBuffer > maxSendBuffer {
		return nil, fmt.Errorf("%w: SendBuffer %d", ErrConfig, cfg.SendBuffer)
	}
	if cfg.Confine >= promiseMax {
		return nil, fmt.Errorf("%w: Confine %v", ErrConfig, cfg.Confine)
	}
	valid := make([]Validator, len(cfg.Keys))
	for i, k := range cfg.Keys {
		if k.Valid < 0 || k.Valid >= validMax || strings.IndexByte(k.Name, 0) >= 0 {
			return nil, fmt.Errorf("%w: key %q with validator %v", ErrConfig, k.Name, k.Valid)
		}
		valid[i] = k.Valid
	}
	for _, p := range cfg.Pages {
		if strings.IndexByte(p, 0) >= 0 {
			return nil, fmt.Errorf("%w: page %q", ErrConfig, p)
		}
	}
	c := (*C.struct_kg_config)(czero(C.sizeof_struct_kg_config))
	c.keysz, c.pagesz = C.size_t(len(cfg.Keys)), C.size_t(len(cfg.Pages))
	c.defpage, c.debug, c.sndbuf = C.size_t(cfg.DefaultPage), C.uint(cfg.Debug), -1
	switch {
	case cfg.SendBuffer == NoSendBuffer:
		c.sndbuf = 0
	case cfg.SendBuffer > 0:
		c.sndbuf = C.ssize_t(cfg.SendBuffer)
	}
	if len(cfg.Keys) > 0 {
		c.keys = (*C.struct_kvalid)(czero(len(cfg.Keys) * C.sizeof_struct_kvalid))
		ks := unsafe.Slice(c.keys, len(cfg.Keys))
		for i, k := range cfg.Keys {
			ks[i].name = C.CString(k.Name)
			ks[i].valid = C.kg_validators[k.Valid].fn
		}
	}
	if len(cfg.Pages) > 0 {
		c.pages = (**C.char)(czero(len(cfg.Pages) * int(unsafe.Sizeof((*C.char)(nil)))))
		ps := unsafe.Slice(c.pages, len(cfg.Pages))
		for i, p := range cfg.Pages {
			ps[i] = C.CString(p)
		}
	}
	return &cconfig{c: c, valid: valid, confine: cfg.Confine}, nil
}

// czero returns n > 0 zeroed bytes of C memory. Like Go's own
// allocations, it panics when memory runs out (C.malloc does).
func czero(n int) unsafe.Pointer {
	p := C.malloc(C.size_t(n))
	clear(unsafe.Slice((*byte)(p), n))
	return p
}

// free releases the C copies once libkcgi is done with them; it may be
// called again.
func (c *cconfig) free() {
	if c.c == nil {
		return
	}
	for _, k := range unsafe.Slice(c.c.keys, int(c.c.keysz)) {
		C.free(unsafe.Pointer(k.name))
	}
	for _, p := range unsafe.Slice(c.c.pages, int(c.c.pagesz)) {
		C.free(unsafe.Pointer(p))
	}
	C.free(unsafe.Pointer(c.c.keys))
	C.free(unsafe.Pointer(c.c.pages))
	C.free(unsafe.Pointer(c.c))
	c.c = nil
}
