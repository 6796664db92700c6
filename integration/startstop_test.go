package integration

import (
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// TestStartStop checks the set-up the other tests rely on: each
// program starts under kfcgi with the expected process tree (kcgi's
// children under seccomp, the workers not), answers through nginx and
// stops on SIGTERM within 1.5 s with exit code 0.
func TestStartStop(t *testing.T) {
	for _, p := range programs(t) {
		for _, pool := range pools {
			t.Run(p.name+"/"+pool.String(), func(t *testing.T) {
				k := serve(t, p, pool)
				checkHello(t, web(t, k))
				workers, sandboxes := k.Workers(), k.Sandboxes()
				if len(workers) != pool.Workers || len(sandboxes) != 2*len(workers) {
					t.Errorf("workers %v, kcgi children %v; want %d workers with 2 children each",
						workers, sandboxes, pool.Workers)
				}
				for _, pid := range sandboxes {
					if st, _ := harness.Status(pid, "Seccomp"); st["Seccomp"] != "2" {
						t.Errorf("kcgi child %d: Seccomp %q, want 2 (filter)", pid, st["Seccomp"])
					}
				}
				for _, pid := range workers {
					st, err := harness.Status(pid, "Seccomp", "SigBlk", "Threads")
					rss, _ := harness.RSS(pid)
					fds, _ := harness.FDCount(pid)
					if err != nil || st["Seccomp"] != "0" {
						t.Errorf("worker %d: Seccomp %q, want 0: %v", pid, st["Seccomp"], err)
					}
					t.Logf("worker %d: %d KiB RSS, %d fds, %s threads, SigBlk %s",
						pid, rss>>10, fds, st["Threads"], st["SigBlk"])
				}
				d, err := k.Stop()
				if err != nil {
					t.Fatal(err)
				}
				if d > 1500*time.Millisecond || k.ExitCode() != 0 {
					t.Errorf("stopped in %v with code %d; want at most 1.5s and 0", d, k.ExitCode())
				}
				checkNoCrash(t, k)
				t.Logf("tree %d/%v/%v stopped in %v", k.PID(), workers, sandboxes, d.Round(time.Millisecond))
			})
		}
	}
}
