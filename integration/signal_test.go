package integration

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// sendAndShut sends req to the socket, shuts down the sending side and
// describes what came back until the worker closed the connection.
func sendAndShut(socket string, req []byte) string {
	c, err := net.Dial("unix", socket)
	if err != nil {
		return err.Error()
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(req); err != nil {
		return "write failed"
	}
	c.(*net.UnixConn).CloseWrite()
	b, err := io.ReadAll(c)
	answer := fmt.Sprintf("answer %q", b)
	if errors.Is(err, syscall.ECONNRESET) {
		answer += ", connection reset"
	} else if err != nil {
		answer += ", read failed"
	}
	return answer
}

// kfcgiSays returns the distinct messages kfcgi itself logged (lines
// "kfcgi[PID]: ..."), without the PIDs, sorted.
func kfcgiSays(log string) []string {
	digits := regexp.MustCompile(`\d+`)
	var out []string
	for _, l := range strings.Split(log, "\n") {
		_, msg, ok := strings.Cut(l, "]: ")
		msg = digits.ReplaceAllString(msg, "N")
		if ok && strings.HasPrefix(l, "kfcgi[") && !slices.Contains(out, msg) {
			out = append(out, msg)
		}
	}
	sort.Strings(out)
	return out
}

// checkServes sends the plain GET over the FastCGI socket of k and
// requires the 104-byte answer.
func checkServes(t *testing.T, k *harness.Kfcgi) {
	t.Helper()
	b, err := harness.FCGIDo("unix", k.Socket, harness.FCGIRequest{Params: cgiParams("GET", "/", "")}.Bytes(), 10*time.Second)
	if err != nil || !bytes.Equal(b, helloStream) {
		t.Fatalf("FastCGI GET: %v, %q", err, harness.Clip(b, 200))
	}
}

// TestSIGHUP sends SIGHUP to kfcgi running the C reference and the Go
// port, in both pools. On Linux, kfcgi 1.0.1 stops:
// the Go port must do the same (same exit code), without a Go runtime
// message, and
// within 3 s. That is twice kcgi's one-second poll: kfcgi restarts the
// workers, sees the old ones exit, and stops the new ones, which start
// with SIGTERM blocked; the C reference takes up to 2 s here.
func TestSIGHUP(t *testing.T) {
	progs := programs(t)
	for _, pool := range pools {
		t.Run(pool.String(), func(t *testing.T) {
			var outcome [2]string
			for i, p := range progs {
				k := serve(t, p, pool)
				checkServes(t, k)
				d, err := k.Terminate(syscall.SIGHUP, 10*time.Second)
				if err != nil {
					t.Errorf("%s: SIGHUP: %v", p.name, err)
					continue
				}
				if d > 3*time.Second {
					t.Errorf("%s: tree took %v to exit after SIGHUP; want at most 3s", p.name, d)
				}
				checkNoCrash(t, k)
				outcome[i] = fmt.Sprintf("stopped, exit code %d", k.ExitCode())
				t.Logf("%s: SIGHUP: tree gone in %v; %s; kfcgi logged %q",
					p.name, d.Round(time.Millisecond), outcome[i], kfcgiSays(k.Log()))
			}
			if outcome[0] != outcome[1] {
				t.Errorf("outcomes differ:\n%s: %s\n%s: %s", progs[0].name, outcome[0], progs[1].name, outcome[1])
			}
		})
	}
}

// TestFatalRequests sends requests that make libkcgi end the worker
// process, which stops kfcgi, straight to the socket of the C
// reference and of the Go port, in both pools; the outcome must be the
// same (what the client gets, and kfcgi's exit code), without a Go
// runtime message. Which of its messages kfcgi logs for a dead worker
// in the variable pool ("worker unexpectedly exited" or "poll: worker
// disconnect") depends on timing.
//
//   - FCGI_KEEP_CONN: libkcgi refuses a BEGIN_REQUEST with flags.
//   - A connection that ends inside a STDIN record: kcgi 1.0.1's
//     kworker_fcgi_stdin ignores the read error and copies from a NULL
//     buffer, and the sandboxed child dies of the signal.
func TestFatalRequests(t *testing.T) {
	progs := programs(t)
	cut := harness.FCGIRequest{Params: cgiParams("POST", "/", "",
		harness.Param{Name: "CONTENT_LENGTH", Value: "100000"}), Stdin: random(100_000, 9)}.Bytes()
	cases := []struct {
		name string
		req  []byte
	}{
		{"FCGI_KEEP_CONN", harness.FCGIRequest{Flags: harness.FCGIKeepConn, Params: cgiParams("GET", "/", "")}.Bytes()},
		{"cut inside STDIN", cut[:len(cut)-1000]},
	}
	for _, c := range cases {
		for _, pool := range pools {
			t.Run(c.name+"/"+pool.String(), func(t *testing.T) {
				var outcome [2]string
				for i, p := range progs {
					k := serve(t, p, pool)
					checkServes(t, k)
					answer := sendAndShut(k.Socket, c.req)
					d, err := k.Wait(10 * time.Second)
					if err != nil {
						t.Errorf("%s: kfcgi did not stop: %v", p.name, err)
						continue
					}
					checkNoCrash(t, k)
					outcome[i] = fmt.Sprintf("%s; stopped, exit code %d", answer, k.ExitCode())
					t.Logf("%s: tree gone in %v; %s; kfcgi logged %q",
						p.name, d.Round(time.Millisecond), outcome[i], kfcgiSays(k.Log()))
				}
				if outcome[0] != outcome[1] {
					t.Errorf("outcomes differ:\n%s: %s\n%s: %s", progs[0].name, outcome[0], progs[1].name, outcome[1])
				}
			})
		}
	}
}
