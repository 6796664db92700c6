//go:build !linux && !openbsd

package kcgi

// This file stands in for the confinement on systems that have neither
// pledge(2) nor seccomp.

import (
	"errors"
	"fmt"
	"runtime"
)

var errNoConfine = fmt.Errorf("not on %s: %w", runtime.GOOS, errors.ErrUnsupported)

func confine(Promise) error { return errNoConfine }

func unveil(string, string) error { return errNoConfine }

func unveilLock() error { return errNoConfine }
