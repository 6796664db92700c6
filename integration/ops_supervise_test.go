package integration

// The supervision tests check the systemd unit of deploy/systemd with
// systemd-analyze, and kill a worker of the pool it runs, restarted by
// the stand-in systemctl, under load.

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// poolKfcgi returns the kfcgi of pool (a or b) in s's box, or 0.
func poolKfcgi(s *site, pool string) int {
	for _, pid := range s.box.Processes("kfcgi") {
		if strings.Contains(harness.Cmdline(pid), "/tutorial2-"+pool+".sock ") {
			return pid
		}
	}
	return 0
}

// TestOpsSupervise runs kcgi-tutorial2@a, alone or next to @b with
// both in nginx's upstream, kills a worker of @a with SIGKILL while 4
// clients send requests, and requires kfcgi to be restarted
// RestartSec later and answer again. It reports the requests that
// failed, which must be none with two pools, and the longest time
// without an answer.
func TestOpsSupervise(t *testing.T) {
	p := goProgram(t)
	t.Run("one pool", func(t *testing.T) { supervise(t, p, []string{"a"}, "") })
	t.Run("two pools", func(t *testing.T) { supervise(t, p, []string{"a", "b"}, "linux/tutorial2-upstream-two.conf") })
}

// supervise runs the test with the pools started and, unless it is "",
// upstream of deploy/ as nginx's upstream.
func supervise(t *testing.T, p program, pools []string, upstream string) {
	s := newSite(t, nil)
	for _, pool := range pools {
		copyFile(t, p.bin, s.box.Path("/var/www/fcgi-bin/tutorial2-"+pool), 0o555)
		if !s.systemctl("start", "kcgi-tutorial2@"+pool) {
			t.Fatalf("systemctl start kcgi-tutorial2@%s failed", pool)
		}
		defer s.systemctl("stop", "kcgi-tutorial2@"+pool)
	}
	if upstream != "" {
		conf := deployFile(t, upstream)
		if err := os.WriteFile(s.box.Path("/etc/nginx/tutorial2-upstream.conf"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := s.box.Command(nil, "nginx", "-s", "reload").CombinedOutput(); err != nil {
			t.Fatalf("nginx -s reload: %v\n%s", err, out)
		}
		time.Sleep(time.Second) // the reload is asynchronous
	}
	url := s.nginx.URL("/fcgi-bin/tutorial2")
	c := &http.Client{Timeout: 10 * time.Second}
	var body string
	var err error
	for i := 0; i < 100 && body != string(hello); i++ {
		body, err = getBody(c, url)
		time.Sleep(50 * time.Millisecond)
	}
	if body != string(hello) {
		t.Fatalf("no answer: %q, %v", body, err)
	}
	first := poolKfcgi(s, "a")
	if first == 0 || len(harness.Children(first)) == 0 {
		t.Fatalf("kfcgi %v: want kcgi-tutorial2@a with workers", s.box.Processes("kfcgi"))
	}

	var g gaps
	stop := harness.StartLoad(harness.LoadConfig{
		URL: url, Conns: 4, Duration: time.Minute, MaxDuration: time.Minute,
		Check: func(resp *http.Response, b []byte) (string, error) {
			if resp.StatusCode != 200 || string(b) != string(hello) {
				return "", fmt.Errorf("%s, body %q", resp.Status, harness.Clip(b, 80))
			}
			g.ok(time.Now())
			return "ok", nil
		},
	})
	defer stop()
	time.Sleep(time.Second)
	worker := harness.Children(first)[0]
	killed := time.Now()
	if err := syscall.Kill(worker, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Wait, at most 10 s, for a new kfcgi of pool a with workers.
	again := 0
	for i := 0; i < 200; i++ {
		again = poolKfcgi(s, "a")
		if again != 0 && again != first && len(harness.Children(again)) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	restarted := time.Since(killed)
	time.Sleep(3 * time.Second)
	res := stop()
	if again == 0 || again == first {
		t.Fatalf("kfcgi %d after killing worker %d of kfcgi %d: not restarted", again, worker, first)
	}
	t.Logf("worker %d of kfcgi %d killed; kfcgi %d up with workers %.2fs later", worker, first, again, restarted.Seconds())
	t.Logf("load: %v; longest time without an answer %.2fs, from %.2fs after the kill",
		res, g.longest.Seconds(), g.longestFrom.Sub(killed).Seconds())
	if len(res.Errors) > 0 {
		t.Logf("first failure: %s", res.Errors[0])
	}
	if body, err := getBody(c, url); err != nil || body != string(hello) {
		t.Errorf("after the restart: %q, %v", body, err)
	}
	if g.longest > 5*time.Second {
		t.Errorf("no answer for %v", g.longest)
	}
	if len(pools) > 1 && res.Failed > 0 {
		t.Errorf("%d requests failed with two pools: %v", res.Failed, res.Errors)
	}
}
