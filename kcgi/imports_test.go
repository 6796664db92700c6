package kcgi

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImports keeps net/http and its relatives out of the package, so
// that a worker such as tutorial2 does not carry them: they cost a
// worker megabytes of memory. The net/http.Handler adapter is package
// kcgihttp.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, p := range []string{"net/http", "net/http/cgi", "mime/multipart", "net/textproto", "net/url"} {
		if slices.Contains(deps, p) {
			t.Errorf("package kcgi depends on %s", p)
		}
	}
}
