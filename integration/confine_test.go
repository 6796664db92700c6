package integration

import (
	"context"
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
	ref := harness.MustBuildC(t, "reference/tutorial2.c")
	for _, pool := range pools {
		t.Run(pool.String(), func(t *testing.T) {
			kc := serve(t, program{"C", ref}, pool)
			kg := serveConfined(t, c, pool, "stdio")
			ws := [2]*harness.Nginx{web(t, kc), web(t, kg)}
			before := kg.Workers()
			identical := 0
			for _, r := range corpus() {
				var got [2][]byte
				for i, w := range ws {
					resp, err := harness.Do(w.Addr, r.raw, 30*time.Second)
					if err != nil {
						t.Fatalf("%s: %v", r.name, err)
					}
					got[i] = resp.Normalized()
				}
				if d := harness.Diff(got[0], got[1]); d != "" {
					t.Errorf("%s: C and confined Go differ: %s", r.name, d)
					continue
				}
				identical++
			}
			t.Logf("%s pool: %d of %d identical", pool, identical, len(corpus()))
			checkWorkers(t, kg, before)
			checkNoCrash(t, kg)
		})
	}
}

// TestConfineLoad: the confined tutorial2 serves 50,000 requests (3,000
// with -short) in each pool without a failure or a worker exit, and
// SIGTERM still stops the tree.
func TestConfineLoad(t *testing.T) {
	c := confinedProgram(t)
	count := int64(50_000)
	if testing.Short() {
		count = 3_000
	}
	for _, pool := range pools {
		t.Run(pool.String(), func(t *testing.T) {
			k := serveConfined(t, c, pool, "stdio")
			w := web(t, k)
			growPool(t, k)
			cpu := harness.CPUTime(k.Processes()...)
			stop := watchWorkers(k)
			res := harness.Load(context.Background(), harness.LoadConfig{
				URL: w.URL("/app"), Expect: hello, Conns: 4, Requests: count, MaxDuration: 5 * time.Minute,
			})
			seen := stop()
			cpu = harness.CPUTime(k.Processes()...) - cpu
			t.Logf("%s pool: %v; workers %v; CPU %v (%.0f µs/request)", pool, res, seen,
				cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(res.OK))
			if res.Failed > 0 || res.OK < count {
				t.Errorf("%d ok, %d failed: %q", res.OK, res.Failed, res.Errors)
				logTrouble(t, k, w)
			}
			checkWorkers(t, k, seen)
			if d, err := k.Terminate(syscall.SIGTERM, 10*time.Second); err != nil || d > 1500*time.Millisecond {
				t.Errorf("SIGTERM: tree gone in %v: %v", d, err)
			}
			checkNoCrash(t, k)
		})
	}
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
				got := probe.Parse(tried)
				for _, p := range probe.All {
					e, ok := got[p.Name]
					missing, refused := p.Missing(promises)
					switch {
					case !ok:
						t.Fatalf("%s: no result", p.Name)
					case refused && e != p.Denied:
						t.Errorf("%s without %q: got %v (%d), want %v", p.Name, missing, e, int(e), p.Denied)
					case !refused && e == p.Denied:
						t.Errorf("%s with %q: refused", p.Name, promises)
					}
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
