package integration

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// watchWorkers records every worker of k seen until the returned
// function is called; that function returns them.
func watchWorkers(k *harness.Kfcgi) func() []int {
	stop := make(chan struct{})
	out := make(chan []int)
	go func() {
		seen := k.Workers()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				for _, w := range k.Workers() {
					if !slices.Contains(seen, w) {
						seen = append(seen, w)
					}
				}
			case <-stop:
				out <- seen
				return
			}
		}
	}()
	return func() []int { close(stop); return <-out }
}

// logTrouble logs the lines of the nginx error log and the kfcgi log
// that may explain failed requests.
func logTrouble(t *testing.T, k *harness.Kfcgi, w *harness.Nginx) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(w.ErrorLog()+k.Log(), "\n") {
		if strings.Contains(l, "[error]") || strings.Contains(l, "prematurely") ||
			strings.Contains(l, "timed out") || strings.Contains(l, "ERROR") ||
			strings.HasPrefix(l, "kfcgi[") {
			lines = append(lines, l)
		}
	}
	if len(lines) > 30 {
		lines = append(lines[:30], fmt.Sprintf("... %d more", len(lines)-30))
	}
	t.Logf("nginx and kfcgi log lines about trouble:\n%s", strings.Join(lines, "\n"))
}

// growPool brings a variable pool to its maximum size before a test
// that sends concurrent requests. kfcgi 1.0.1 forks a new worker
// without closing the connections it holds for the busy ones
// (varpool_start closes only their control sockets), so every
// connection in progress when the pool grows stays open in the new
// worker and its kcgi children, and the client waits until that
// worker exits: with nginx, the request hangs. This happens with the
// C reference too. Here the pool grows on idle connections of our own
// that are closed afterwards; at its maximum size it no longer grows.
func growPool(t *testing.T, k *harness.Kfcgi) {
	t.Helper()
	if !k.Pool.Variable {
		return
	}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for n := 1; n <= k.Pool.MaxWorkers; n++ {
		c, err := net.Dial("unix", k.Socket)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		for i := 0; len(k.Workers()) < n; i++ {
			if i == 500 {
				t.Fatalf("pool did not grow: %d connections, workers %v", n, k.Workers())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestSustainedLoad runs the Go tutorial2 behind nginx under load for
// at least 30 seconds and 50,000 requests in each pool (less with
// -short): no response may fail, no worker may exit, kfcgi must keep
// running. Then it sends SIGTERM to kfcgi under load: the whole tree
// must be gone within 1.5 s, without Go runtime messages in the log.
func TestSustainedLoad(t *testing.T) {
	p := goProgram(t)
	sustainedLoad(t, func(t *testing.T, pool harness.Pool) *harness.Kfcgi { return serve(t, p, pool) })
}

// sustainedLoad is TestSustainedLoad for the program start runs under
// kfcgi.
func sustainedLoad(t *testing.T, start func(*testing.T, harness.Pool) *harness.Kfcgi) {
	dur, count := 30*time.Second, int64(50_000)
	if testing.Short() {
		dur, count = 3*time.Second, 3_000
	}
	for _, pool := range pools {
		t.Run(pool.String(), func(t *testing.T) {
			k := start(t, pool)
			w := web(t, k)
			growPool(t, k)
			cpu := harness.CPUTime(k.Processes()...)
			stop := watchWorkers(k)
			res := harness.Load(context.Background(), harness.LoadConfig{
				URL: w.URL("/app"), Expect: hello, Conns: 4, Duration: dur, Requests: count,
				MaxDuration: 5 * dur,
			})
			seen := stop()
			cpu = harness.CPUTime(k.Processes()...) - cpu
			t.Logf("%s pool: %v; workers %v; CPU %v (%.0f µs/request)", pool, res, seen,
				cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(res.OK))
			if res.Failed > 0 {
				t.Errorf("%d requests failed: %q", res.Failed, res.Errors)
				logTrouble(t, k, w)
			}
			if res.OK < count || res.Elapsed < dur {
				t.Errorf("only %d requests in %v; want at least %d in %v", res.OK, res.Elapsed, count, dur)
			}
			checkWorkers(t, k, seen)
			checkHello(t, w)

			stopLoad := harness.StartLoad(harness.LoadConfig{
				URL: w.URL("/app"), Expect: hello, Conns: 4, Duration: time.Hour,
			})
			time.Sleep(time.Second)
			exit, err := k.Terminate(syscall.SIGTERM, 10*time.Second)
			under := stopLoad()
			t.Logf("SIGTERM under load (%d requests before it): tree gone in %v, kfcgi exit code %d",
				under.OK, exit.Round(time.Millisecond), k.ExitCode())
			if err != nil {
				t.Fatal(err)
			}
			if exit > 1500*time.Millisecond {
				t.Errorf("tree took %v to exit after SIGTERM; want at most 1.5s", exit)
			}
			if under.OK == 0 {
				t.Errorf("no request succeeded before SIGTERM: %q", under.Errors)
			}
			checkNoCrash(t, k)
		})
	}
}
