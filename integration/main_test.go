package integration

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

func TestMain(m *testing.M) {
	code := m.Run()
	harness.RemoveBuilds()
	os.Exit(code)
}

// hello is tutorial2's response body.
var hello = []byte("Hello, world!\n")

// getRequest is a plain request through nginx.
const getRequest = "GET /app HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"

// program is one build of tutorial2.
type program struct{ name, bin string }

// programs builds the C reference and the Go port.
func programs(t *testing.T) []program {
	t.Helper()
	harness.Require(t)
	return []program{
		{"C", harness.MustBuildC(t, "reference/tutorial2.c")},
		{"Go", harness.MustBuildGo(t, "./cmd/tutorial2")},
	}
}

// goProgram builds the Go port only.
func goProgram(t *testing.T) program {
	t.Helper()
	harness.Require(t)
	return program{"Go", harness.MustBuildGo(t, "./cmd/tutorial2")}
}

var pools = []harness.Pool{harness.FixedPool, harness.VariablePool}

// serve starts p under kfcgi.
func serve(t *testing.T, p program, pool harness.Pool) *harness.Kfcgi {
	t.Helper()
	return harness.StartKfcgi(t, harness.KfcgiConfig{Binary: p.bin, Name: "tutorial2", Pool: pool})
}

// web starts an nginx front end for k.
func web(t *testing.T, k *harness.Kfcgi) *harness.Nginx {
	t.Helper()
	return harness.StartNginx(t, harness.NginxConfig{Socket: k.Socket})
}

// checkHello sends one request through w and checks the answer.
func checkHello(t *testing.T, w *harness.Nginx) {
	t.Helper()
	r, err := harness.Do(w.Addr, []byte(getRequest), 10*time.Second)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	if r.Status != "HTTP/1.1 200 OK" || !slices.Contains(r.Header, "Content-Type: text/plain") {
		t.Fatalf("GET: unexpected response:\n%s", harness.Clip(r.Raw, 300))
	}
	if string(r.Body) != "e\r\nHello, world!\n\r\n0\r\n\r\n" {
		t.Fatalf("GET: body %q", r.Body)
	}
}

// checkNoCrash fails if the log of k shows a Go runtime crash.
func checkNoCrash(t *testing.T, k *harness.Kfcgi) {
	t.Helper()
	if l := harness.GoCrash(k.Log()); l != "" {
		t.Errorf("Go runtime message in the log: %s", l)
	}
}

// checkWorkers fails unless every PID of want is still a live worker
// of k and k is running.
func checkWorkers(t *testing.T, k *harness.Kfcgi, want []int) {
	t.Helper()
	if !k.Running() {
		t.Fatalf("kfcgi exited (code %d)", k.ExitCode())
	}
	now := k.Workers()
	for _, pid := range want {
		if !slices.Contains(now, pid) {
			t.Errorf("worker %d gone; workers before %v, now %v", pid, want, now)
		}
	}
}
