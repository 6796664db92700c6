//go:build linux && !amd64 && !arm64

package kcgi

// This file stands in for the confinement on Linux architectures whose
// system call numbers the seccomp filter does not know.

import (
	"errors"
	"fmt"
	"runtime"
)

var errNoConfine = fmt.Errorf("no seccomp filter for linux/%s: %w", runtime.GOARCH, errors.ErrUnsupported)

func confine(Promise) error { return errNoConfine }

func unveil(string, string) error { return errNoConfine }

func unveilLock() error { return errNoConfine }
