package integration

import (
	"testing"
	"time"
)

// TestStartStop checks the set-up the other tests rely on: each
// program starts under kfcgi with the expected process tree, answers
// through nginx and stops on SIGTERM.
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
