//go:build !cgo

package kcgi

// This file stops a build without cgo with a message that says why:
// the package is a binding to the C library libkcgi.

var _ = kcgi_needs_cgo__set_CGO_ENABLED_1_and_install_libkcgi
