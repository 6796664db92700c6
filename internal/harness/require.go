package harness

// This file checks the environment the integration tests need, and
// scans logs for Go runtime crashes.

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Require checks that the test runs as root and that the commands it
// needs are installed: kfcgi, nginx, cc, pkg-config with kcgi, and the
// extra commands given (such as "wrk" or "cgi-fcgi"). If something is
// missing, the test is skipped, or fails when the CI environment
// variable is set, with a message naming the fix.
func Require(tb testing.TB, commands ...string) {
	tb.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (kfcgi needs it: run the tests as root)")
	}
	fixes := map[string]string{
		"kfcgi":    "install kcgi 1.0.1 (make install puts kfcgi in /usr/local/sbin)",
		"nginx":    "apt-get install nginx",
		"cc":       "apt-get install gcc",
		"go":       "install Go and put it on PATH",
		"wrk":      "apt-get install wrk",
		"cgi-fcgi": "apt-get install libfcgi-bin",
		"lighttpd": "apt-get install lighttpd",
		"apache2":  "apt-get install apache2",
		"unshare":  "apt-get install util-linux",
		"nsenter":  "apt-get install util-linux",
		"flock":    "apt-get install util-linux",
		"ip":       "apt-get install iproute2",
	}
	for _, c := range append([]string{"kfcgi", "nginx", "cc", "go"}, commands...) {
		if _, err := exec.LookPath(c); err != nil {
			fix := fixes[c]
			if fix == "" {
				fix = "install it"
			}
			missing = append(missing, c+" ("+fix+")")
		}
	}
	if err := exec.Command("pkg-config", "--exists", "kcgi").Run(); err != nil {
		missing = append(missing, "pkg-config kcgi (install kcgi and pkg-config; set PKG_CONFIG_PATH)")
	}
	if len(missing) == 0 {
		return
	}
	Missing(tb, strings.Join(missing, "; "))
}

// Missing skips the test because what names is missing, or fails it
// when the CI environment variable is set.
func Missing(tb testing.TB, what string) {
	tb.Helper()
	msg := "missing: " + what
	if os.Getenv("CI") != "" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// GoCrashMarkers are strings that the Go runtime prints when a program
// crashes or panics.
var GoCrashMarkers = []string{"fatal error", "panic", "goroutine ", "SIGSEGV", "signal arrived", "non-Go code"}

// GoCrash returns the first line of log that contains one of
// [GoCrashMarkers], or "" if there is none.
func GoCrash(log string) string {
	for _, l := range strings.Split(log, "\n") {
		for _, m := range GoCrashMarkers {
			if strings.Contains(l, m) {
				return l
			}
		}
	}
	return ""
}
