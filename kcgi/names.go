package kcgi

//go:generate sh gen_tables.sh

// This file gives the enum types of tables.go their text, read once
// from libkcgi's own arrays (khttps, kresps, kmimetypes, kmethods,
// kschemes), so that it is the same as a C program's.

// #include "shim.h"
import "C"

import (
	"strconv"
	"unsafe"
)

// Status is an HTTP status, enum khttp. String gives the status line
// text libkcgi uses, such as "200 OK".
type Status int

// Resp is a response header known to libkcgi, enum kresp. String gives
// its name, such as "Content-Type".
type Resp int

// MIME is a media type known to libkcgi, enum kmime. String gives its
// name, such as "text/html". Request.MIME and Pair.ContentTypeIndex may
// hold MIMEMax for a type libkcgi does not know.
type MIME int

// Method is an HTTP method, enum kmethod. MethodMax stands for any
// method libkcgi does not know.
type Method int

// Scheme is a URL scheme, enum kscheme.
type Scheme int

// The sizes of the enums: an unknown value.
const (
	StatusMax Status = C.KHTTP__MAX
	RespMax   Resp   = C.KRESP__MAX
	MIMEMax   MIME   = C.KMIME__MAX
	MethodMax Method = C.KMETHOD__MAX
	SchemeMax Scheme = C.KSCHEME__MAX
)

// headerMatchesLibrary stops the program when the kcgi.h it was
// compiled with is not the linked libkcgi's: libkcgi 1.0.0 inserted
// names into its enums, so a mismatch names the wrong headers, and the
// tables below would be read past their end. Go's build cache does not
// notice a kcgi installed in place of another (go help cache).
var headerMatchesLibrary = func() bool {
	if s := C.GoString(C.kresps[C.KRESP_STATUS]); s != "Status" {
		panic("kcgi: compiled with the kcgi.h of libkcgi " + C.KCGI_VERSION +
			" but linked with another libkcgi (kresps[KRESP_STATUS] is " + strconv.Quote(s) +
			"): rebuild after go clean -cache, or with make")
	}
	return true
}()

var (
	statusText = cstrings(unsafe.Pointer(&C.khttps[0]), C.KHTTP__MAX)
	respText   = cstrings(unsafe.Pointer(&C.kresps[0]), C.KRESP__MAX)
	mimeText   = cstrings(unsafe.Pointer(&C.kmimetypes[0]), C.KMIME__MAX)
	suffixText = cstrings(unsafe.Pointer(&C.ksuffixes[0]), C.KMIME__MAX)
	methodText = cstrings(unsafe.Pointer(&C.kmethods[0]), C.KMETHOD__MAX)
	schemeText = cstrings(unsafe.Pointer(&C.kschemes[0]), C.KSCHEME__MAX)
)

// cstrings copies a C array of n strings; a NULL entry gives "".
func cstrings(p unsafe.Pointer, n int) []string {
	out := make([]string, n)
	for i, s := range unsafe.Slice((**C.char)(p), n) {
		if s != nil {
			out[i] = C.GoString(s)
		}
	}
	return out
}

func text(t []string, i int, typ string) string {
	if i < 0 || i >= len(t) {
		return typ + "(" + strconv.Itoa(i) + ")"
	}
	return t[i]
}

func (s Status) String() string { return text(statusText, int(s), "Status") }
func (r Resp) String() string   { return text(respText, int(r), "Resp") }
func (m MIME) String() string   { return text(mimeText, int(m), "MIME") }
func (m Method) String() string { return text(methodText, int(m), "Method") }
func (s Scheme) String() string { return text(schemeText, int(s), "Scheme") }

// Code is the status's number, such as 200.
func (s Status) Code() int {
	t := text(statusText, int(s), "")
	n, _ := strconv.Atoi(t[:min(3, len(t))])
	return n
}

// StatusOf returns the Status whose number is code.
func StatusOf(code int) (Status, bool) {
	for i := range statusText {
		if Status(i).Code() == code {
			return Status(i), true
		}
	}
	return StatusMax, false
}

// Suffix is the file suffix libkcgi maps to m, such as "html", or "".
func (m MIME) Suffix() string {
	if m < 0 || int(m) >= len(suffixText) {
		return ""
	}
	return suffixText[m]
}
