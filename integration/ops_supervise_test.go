package integration

// The supervision tests check the systemd unit of deploy/systemd with
// systemd-analyze, and kill a worker of the pool it runs, restarted by
// the stand-in systemctl, under load.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// TestOpsUnitVerify runs "systemd-analyze verify" on the unit, as
// instance a. It needs the systemd package, not a running systemd.
func TestOpsUnitVerify(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		harness.Missing(t, "systemd-analyze (apt-get install systemd)")
	}
	dir := t.TempDir()
	unit := deployFile(t, "systemd/kcgi-tutorial2@.service")
	if err := os.WriteFile(filepath.Join(dir, "kcgi-tutorial2@.service"), []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("systemd-analyze", "verify", "./kcgi-tutorial2@a.service")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// gaps tracks, from the successful answers of a load run, the longest
// time without one.
type gaps struct {
	mu          sync.Mutex
	last        time.Time
	longest     time.Duration
	longestFrom time.Time
}

func (g *gaps) ok(now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.last.IsZero() && now.Sub(g.last) > g.longest {
		g.longest, g.longestFrom = now.Sub(g.last), g.last
	}
	g.last = now
}

// TestOpsSupervise starts kcgi-tutorial2@a, kills one of its workers
// with SIGKILL while 4 clients send requests, and requires the pool to
// be restarted RestartSec later and answer again. It reports the
// requests that failed and the longest time without an answer.
func TestOpsSupervise(t *testing.T) {
	p := goProgram(t)
	s := newSite(t, map[string]string{"tutorial2": p.bin})
	data, err := os.ReadFile(p.bin)
	if err == nil {
		err = os.WriteFile(s.box.Path("/var/www/fcgi-bin/tutorial2-a"), data, 0o555)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !s.systemctl("start", "kcgi-tutorial2@a") {
		t.Fatal("systemctl start kcgi-tutorial2@a failed")
	}
	defer s.systemctl("stop", "kcgi-tutorial2@a")
	url := s.nginx.URL("/fcgi-bin/tutorial2")
	c := &http.Client{Timeout: 10 * time.Second}
	var body string
	for i := 0; i < 100 && body != string(hello); i++ {
		body, err = getBody(c, url)
		time.Sleep(50 * time.Millisecond)
	}
	if body != string(hello) {
		t.Fatalf("kcgi-tutorial2@a does not answer: %q, %v", body, err)
	}
	first := s.box.Processes("kfcgi")
	if len(first) != 1 || len(harness.Children(first[0])) == 0 {
		t.Fatalf("kfcgi %v, workers: want one kfcgi with workers", first)
	}

	var g gaps
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan harness.LoadResult, 1)
	go func() {
		done <- harness.Load(ctx, harness.LoadConfig{
			URL: url, Conns: 4, Duration: time.Minute, MaxDuration: time.Minute,
			Check: func(resp *http.Response, b []byte) (string, error) {
				if resp.StatusCode != 200 || string(b) != string(hello) {
					return "", fmt.Errorf("%s, body %q", resp.Status, harness.Clip(b, 80))
				}
				g.ok(time.Now())
				return "ok", nil
			},
		})
	}()
	time.Sleep(time.Second)
	worker := harness.Children(first[0])[0]
	killed := time.Now()
	if err := syscall.Kill(worker, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Wait, at most 10 s, for a new kfcgi with workers.
	var again []int
	for i := 0; i < 200; i++ {
		again = s.box.Processes("kfcgi")
		if len(again) == 1 && again[0] != first[0] && len(harness.Children(again[0])) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	restarted := time.Since(killed)
	time.Sleep(3 * time.Second)
	cancel()
	res := <-done
	if len(again) != 1 || again[0] == first[0] {
		t.Fatalf("kfcgi %v after killing worker %d of kfcgi %d: not restarted", again, worker, first[0])
	}
	t.Logf("worker %d of kfcgi %d killed; kfcgi %d up with workers %.2fs later", worker, first[0], again[0], restarted.Seconds())
	t.Logf("load: %v; longest time without an answer %.2fs, from %.2fs after the kill",
		res, g.longest.Seconds(), g.longestFrom.Sub(killed).Seconds())
	if len(res.Errors) > 0 {
		t.Logf("failures (first %d): %v", len(res.Errors), res.Errors)
	}
	if body, err := getBody(c, url); err != nil || body != string(hello) {
		t.Errorf("after the restart: %q, %v", body, err)
	}
	if g.longest > 5*time.Second {
		t.Errorf("no answer for %v", g.longest)
	}
}
