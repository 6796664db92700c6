package integration

// The upgrade test replaces tutorial2 by another build under steady
// load with deploy/linux/upgrade.sh, the kfcgi pools of deploy/systemd
// and nginx with deploy/linux/nginx-pools.conf, all in a box.

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// TestOpsUpgrade deploys tutorial2 with upgrade.sh, then upgrades it
// to a build that answers "Hello, version 2" while 8 clients send
// requests without pause. Every request must succeed, and once
// upgrade.sh returns only the new build answers. Then come the upgrades
// that upgrade.sh must refuse.
func TestOpsUpgrade(t *testing.T) {
	harness.Require(t)
	oldBin := harness.MustBuildGo(t, "./cmd/tutorial2")
	newBin := harness.MustBuildGo(t, "./internal/greeter")
	oldBody, newBody := string(hello), "Hello, version 2\n"
	s := newSite(t, map[string]string{"tutorial2": oldBin, "tutorial2.new": newBin})
	t.Logf("first deployment: %s", strings.TrimSpace(s.run(t, []string{"DRAIN=0"}, "linux/upgrade.sh", "tutorial2")))
	c := &http.Client{Timeout: 10 * time.Second}
	url := s.nginx.URL("/fcgi-bin/tutorial2")
	// nginx reloads after upgrade.sh returned (DRAIN=0): its old
	// worker still sends to pool a, which never ran.
	var body string
	var err error
	for i := 0; i < 50 && body != oldBody; i++ {
		body, err = getBody(c, url)
		time.Sleep(100 * time.Millisecond)
	}
	if body != oldBody {
		t.Fatalf("after the first deployment: %q, %v", body, err)
	}

	var (
		mu       sync.Mutex
		lastOld  time.Time
		firstNew time.Time
	)
	stop := harness.StartLoad(harness.LoadConfig{
		URL: url, Conns: 8, Duration: 2 * time.Minute, MaxDuration: 2 * time.Minute,
		Check: func(resp *http.Response, body []byte) (string, error) {
			now := time.Now()
			if resp.StatusCode != 200 {
				return "", fmt.Errorf("status %s, body %q", resp.Status, harness.Clip(body, 80))
			}
			mu.Lock()
			defer mu.Unlock()
			switch string(body) {
			case oldBody:
				lastOld = now
				return "old", nil
			case newBody:
				if firstNew.IsZero() {
					firstNew = now
				}
				return "new", nil
			}
			return "", fmt.Errorf("body %q", harness.Clip(body, 80))
		},
	})
	defer stop()
	time.Sleep(time.Second)
	start := time.Now()
	out := s.run(t, []string{"DRAIN=2"}, "linux/upgrade.sh", "tutorial2.new")
	end := time.Now()
	time.Sleep(2 * time.Second)
	res := stop()
	t.Logf("upgrade.sh took %.1fs: %s", end.Sub(start).Seconds(), strings.TrimSpace(out))
	t.Logf("load: %v, slowest %v; answers %v; first new %.2fs, last old %.2fs after upgrade.sh started",
		res, res.Slowest.Round(time.Millisecond), res.Counts, firstNew.Sub(start).Seconds(), lastOld.Sub(start).Seconds())
	if res.Failed != 0 {
		t.Errorf("%d requests failed: %v", res.Failed, res.Errors)
	}
	if res.Counts["old"] == 0 || res.Counts["new"] == 0 {
		t.Errorf("answers %v: want both builds", res.Counts)
	}
	if lastOld.After(end) {
		t.Errorf("the old build answered %v after upgrade.sh returned", lastOld.Sub(end))
	}
	for _, q := range []string{"is-active", "is-enabled"} {
		if !s.systemctl(q, "--quiet", "kcgi-tutorial2@a") || s.systemctl(q, "--quiet", "kcgi-tutorial2@b") {
			t.Errorf("%s: want kcgi-tutorial2@a and not @b after the upgrade", q)
		}
	}
	if kf := s.box.Processes("kfcgi"); len(kf) != 1 {
		t.Errorf("kfcgi processes after the upgrade: %v, want one", kf)
	}

	checkRefusals(t, s, url, newBody)
}

// checkRefusals checks that upgrade.sh refuses a build that does not
// start, leaving the site serving want from pool a, and that it refuses
// to run while another upgrade holds the lock.
func checkRefusals(t *testing.T, s *site, url, want string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	// A program that cannot start in the jail, for lack of /bin/sh,
	// fails the upgrade, which changes nothing.
	if err := os.WriteFile(filepath.Join(s.build, "tutorial2.broken"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := s.try(t, nil, "linux/upgrade.sh", "tutorial2.broken")
	if err == nil || !strings.Contains(out, "did not stay up") {
		t.Errorf("upgrade.sh tutorial2.broken: %v, output %q; want a refusal", err, out)
	}
	if body, err := getBody(c, url); err != nil || body != want {
		t.Errorf("after the refused upgrade: %q, %v", body, err)
	}
	for _, q := range []string{"is-active", "is-enabled"} {
		if !s.systemctl(q, "--quiet", "kcgi-tutorial2@a") || s.systemctl(q, "--quiet", "kcgi-tutorial2@b") {
			t.Errorf("%s: want kcgi-tutorial2@a and not @b after the refused upgrade", q)
		}
	}
	t.Logf("upgrade.sh tutorial2.broken: %s", strings.TrimSpace(out))

	// While another upgrade holds the lock, upgrade.sh refuses to run.
	f, err := os.Open(s.box.Path("/etc/nginx/tutorial2-upstream.conf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	out, err = s.try(t, nil, "linux/upgrade.sh", "tutorial2")
	if err == nil || !strings.Contains(out, "another upgrade is running") {
		t.Errorf("upgrade.sh during another upgrade: %v, output %q; want a refusal", err, out)
	}
}
