package harness

// This file builds the static binaries that run inside a kfcgi jail.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// builds caches build results for the life of the test binary.
var builds struct {
	sync.Mutex
	dir  string
	done map[string]*build
}

type build struct {
	once sync.Once
	path string
	err  error
}

// cached runs fn once per key and returns its result; fn writes its
// output to the path it is given, in a directory shared by all builds.
func cached(key, name string, fn func(out string) error) (string, error) {
	builds.Lock()
	if builds.done == nil {
		builds.done = make(map[string]*build)
	}
	b := builds.done[key]
	if b == nil {
		b = new(build)
		builds.done[key] = b
	}
	if builds.dir == "" {
		d, err := os.MkdirTemp("", "kcgi-harness-build-")
		if err != nil {
			builds.Unlock()
			return "", err
		}
		builds.dir = d
	}
	dir := builds.dir
	builds.Unlock()
	b.once.Do(func() {
		sub, err := os.MkdirTemp(dir, name+"-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(sub, name)
		b.err = fn(b.path)
	})
	return b.path, b.err
}

// RemoveBuilds deletes every binary built so far. Call it from
// TestMain after the tests have run.
func RemoveBuilds() {
	builds.Lock()
	defer builds.Unlock()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
	builds.dir, builds.done = "", nil
}

// ModuleRoot returns the directory holding the go.mod of the module
// that contains the current directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("harness: no go.mod above the current directory")
		}
		dir = parent
	}
}

// BuildGo builds the main package pkg (an import path or a path such
// as "./cmd/tutorial2" relative to the module root) as a fully static
// binary and returns its path. The build runs once per test binary.
func BuildGo(pkg string) (string, error) {
	return cached("go:"+pkg, filepath.Base(pkg), func(out string) error {
		root, err := ModuleRoot()
		if err != nil {
			return err
		}
		return run(root, "go", "build", "-tags", "netgo,osusergo",
			"-ldflags", "-linkmode external -extldflags -static", "-o", out, pkg)
	})
}

// BuildC compiles and statically links the C program src (a path
// relative to the module root, or absolute) against libkcgi, using the
// flags from pkg-config, and returns the binary's path. The build runs
// once per test binary.
func BuildC(src string) (string, error) {
	name := strings.TrimSuffix(filepath.Base(src), ".c") + "-c"
	return cached("c:"+src, name, func(out string) error {
		root, err := ModuleRoot()
		if err != nil {
			return err
		}
		cflags, err := pkgConfig("--cflags")
		if err != nil {
			return err
		}
		libs, err := pkgConfig("--libs")
		if err != nil {
			return err
		}
		obj := out + ".o"
		args := append(append([]string{}, cflags...), "-c", "-o", obj, src)
		if err := run(root, "cc", args...); err != nil {
			return err
		}
		args = append([]string{"-static", "-o", out, obj}, libs...)
		return run(root, "cc", args...)
	})
}

// MustBuildGo is [BuildGo] that stops the test on failure.
func MustBuildGo(tb testing.TB, pkg string) string {
	tb.Helper()
	p, err := BuildGo(pkg)
	if err != nil {
		tb.Fatalf("build %s: %v", pkg, err)
	}
	return p
}

// MustBuildC is [BuildC] that stops the test on failure.
func MustBuildC(tb testing.TB, src string) string {
	tb.Helper()
	p, err := BuildC(src)
	if err != nil {
		tb.Fatalf("build %s: %v", src, err)
	}
	return p
}

func pkgConfig(arg string) ([]string, error) {
	out, err := exec.Command("pkg-config", arg, "kcgi").Output()
	if err != nil {
		return nil, fmt.Errorf("pkg-config %s kcgi: %v", arg, err)
	}
	return strings.Fields(string(out)), nil
}

func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}
