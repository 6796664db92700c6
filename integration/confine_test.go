package integration

import (
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
	"github.com/kcgi-go/kcgi-go/internal/probe"
)

// confinedProgram builds cmd/confined, tutorial2 confined.
func confinedProgram(t *testing.T) program {
	t.Helper()
	harness.Require(t)
	return program{"Go confined", harness.MustBuildGo(t, "./cmd/confined")}
}

// serveConfined starts cmd/confined under kfcgi with promises.
func serveConfined(t *testing.T, p program, pool harness.Pool, promises string) *harness.Kfcgi {
	t.Helper()
	return harness.StartKfcgi(t, harness.KfcgiConfig{
		Binary: p.bin, Name: "confined", Pool: pool, ProgArgs: []string{"-p", promises},
	})
}

// get sends a GET for target through w and returns the dechunked body.
func get(t *testing.T, w *harness.Nginx, target string) string {
	t.Helper()
	resp, err := harness.Do(w.Addr, req("GET", target, nil, nil), 10*time.Second)
	if err == nil {
		resp, err = resp.Dechunked()
	}
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	if resp.Status != "HTTP/1.1 200 OK" {
		t.Fatalf("GET %s:\n%s", target, harness.Clip(resp.Raw, 300))
	}
	return string(resp.Body)
}

// TestConfineCorpus: tutorial2 confined to "stdio" answers the whole
// corpus byte for byte as the C reference does, in both pools.
func TestConfineCorpus(t *testing.T) {
	c := confinedProgram(t)
	corpusAgainstC(t, c.name, func(t *testing.T, pool harness.Pool) *harness.Kfcgi {
		return serveConfined(t, c, pool, "stdio")
	})
}

// TestConfineLoad is TestSustainedLoad for tutorial2 confined to
// "stdio".
func TestConfineLoad(t *testing.T) {
	c := confinedProgram(t)
	sustainedLoad(t, func(t *testing.T, pool harness.Pool) *harness.Kfcgi {
		return serveConfined(t, c, pool, "stdio")
	})
}

// TestConfineForbidden: under kfcgi and nginx, a handler of a worker
// confined to "stdio" gets the errno of the filter for every forbidden
// call, and the worker keeps serving; with "stdio inet" it can connect
// to 127.0.0.1, without inet it cannot.
func TestConfineForbidden(t *testing.T) {
	c := confinedProgram(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 10)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Close()
			accepted <- struct{}{}
		}
	}()
	dial := fmt.Sprintf("/app/try/dial?addr=%s", ln.Addr())

	for _, promises := range []string{"stdio", "stdio inet"} {
		t.Run(strings.ReplaceAll(promises, " ", "+"), func(t *testing.T) {
			k := serveConfined(t, c, harness.FixedPool, promises)
			w := web(t, k)
			before := k.Workers()
			for range 3 {
				tried := get(t, w, "/app/try")
				for _, bad := range probe.Check(tried, promises, probe.All) {
					t.Error(bad)
				}
				if !strings.Contains(tried, `runtime=""`) {
					t.Errorf("Go runtime in the jail: %s", tried[strings.Index(tried, "runtime="):])
				}
				if body := get(t, w, "/app"); body != string(hello) {
					t.Fatalf("after the probes: %q", body)
				}
			}
			want := fmt.Sprintf("dial=%d\n", int(syscall.EPERM))
			if strings.Contains(promises, "inet") {
				want = "dial=0\n"
			}
			if body := get(t, w, dial); body != want {
				t.Errorf("%s: got %q, want %q", dial, body, want)
			} else if want == "dial=0\n" {
				select {
				case <-accepted:
				case <-time.After(5 * time.Second):
					t.Errorf("no connection reached the listener")
				}
			}
			checkWorkers(t, k, before)
			checkNoCrash(t, k)
		})
	}
}
