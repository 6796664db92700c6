package integration

// The hosts test runs tutorial2 on three simulated hosts, network
// namespaces each with nginx and a kfcgi pool, behind the balancer of
// deploy/linux/nginx-balancer.conf in a fourth namespace, and takes
// hosts away under load.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// host is one simulated host: a network namespace joined to the
// balancer's by the veth pair lb-hN, 10.200.N.1/30 on the balancer's
// side and 10.200.N.2/30 on the host's.
type host struct {
	name string // h1, h2, h3
	addr string // 10.200.N.2:80, where its nginx listens
	ns   *harness.NetNS
	k    *harness.Kfcgi
}

// startNginxIn starts nginx in ns with the server configuration conf,
// listening where conf says, reached at addr from inside ns.
func startNginxIn(t *testing.T, ns *harness.NetNS, conf, addr string) *harness.Nginx {
	t.Helper()
	dir := nginxDir(t, conf)
	plain := harness.NginxCommand(dir)
	cmd := ns.Command(plain.Path, plain.Args[1:]...)
	return harness.StartNginxProc(t, harness.NginxProc{Cmd: cmd, Dir: dir, Addr: addr, Dial: ns.DialContext})
}

// answeredBy returns the last address of X-Upstream: the host whose
// answer the balancer passed on.
func answeredBy(resp *http.Response) string {
	v := resp.Header.Get("X-Upstream")
	if i := strings.LastIndex(v, ", "); i >= 0 {
		v = v[i+2:]
	}
	return v
}

// TestOpsHosts checks that the balancer spreads requests over three
// hosts, that a host whose link goes down and a host whose kfcgi is
// killed cost no request, and that a host whose link comes back up
// gets requests again.
func TestOpsHosts(t *testing.T) {
	p := goProgram(t)
	harness.RequireNetNS(t)
	lb := harness.AddNetNS(t, "lb")
	hosts := make([]*host, 3)
	for i := range hosts {
		n := i + 1
		h := &host{name: fmt.Sprintf("h%d", n), addr: fmt.Sprintf("10.200.%d.2:80", n)}
		h.ns = harness.AddNetNS(t, h.name)
		harness.Veth(t, lb, h.name, fmt.Sprintf("10.200.%d.1/30", n), h.ns, "lb", fmt.Sprintf("10.200.%d.2/30", n))
		h.k = harness.StartKfcgi(t, harness.KfcgiConfig{Binary: p.bin, Name: "tutorial2",
			Args: []string{"-l", "128"}, Prefix: h.ns.Prefix()})
		// The README's nginx.conf; only the socket is the harness's.
		conf := strings.Replace(deployFile(t, "linux/nginx.conf"), "/var/www/run/httpd.sock", h.k.Socket, 1)
		startNginxIn(t, h.ns, conf, h.addr)
		hosts[i] = h
	}
	startNginxIn(t, lb, deployFile(t, "linux/nginx-balancer.conf"), "127.0.0.1:80")

	const conns = 6
	load := func(d time.Duration, during func()) harness.LoadResult {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan harness.LoadResult, 1)
		go func() {
			done <- harness.Load(ctx, harness.LoadConfig{
				URL: "http://127.0.0.1/fcgi-bin/tutorial2", Conns: conns,
				Duration: d, MaxDuration: d + 30*time.Second, Dial: lb.DialContext,
				Check: func(resp *http.Response, b []byte) (string, error) {
					if resp.StatusCode != 200 || string(b) != string(hello) {
						return "", fmt.Errorf("%s from %s, body %q", resp.Status, answeredBy(resp), harness.Clip(b, 80))
					}
					return answeredBy(resp), nil
				},
			})
		}()
		if during != nil {
			time.Sleep(d / 3)
			during()
		}
		return <-done
	}
	phase := func(name string, res harness.LoadResult) {
		t.Helper()
		t.Logf("%s: %v, slowest %v; answers by host %v", name, res, res.Slowest.Round(time.Millisecond), res.Counts)
		if res.Failed != 0 {
			t.Errorf("%s: %d requests failed: %v", name, res.Failed, res.Errors)
		}
	}

	res := load(3*time.Second, nil)
	phase("three hosts", res)
	for _, h := range hosts {
		if res.Counts[h.addr] == 0 {
			t.Errorf("host %s (%s) answered nothing", h.name, h.addr)
		}
	}

	h2 := hosts[1]
	res = load(6*time.Second, func() {
		if err := lb.IP("link", "set", h2.name, "down"); err != nil {
			t.Error(err)
		}
	})
	phase("h2's link down after 2s", res)

	if err := lb.IP("link", "set", h2.name, "up"); err != nil {
		t.Fatal(err)
	}
	// Past fail_timeout (2s), nginx tries h2 again.
	time.Sleep(3 * time.Second)
	res = load(3*time.Second, nil)
	phase("h2's link up again", res)
	if res.Counts[h2.addr] == 0 {
		t.Errorf("h2 did not rejoin: answers %v", res.Counts)
	}

	// A request whose answer h3's nginx had begun to pass on when the
	// kill came is cut: the balancer cannot retry what it has started
	// to send. That is at most one per client, and only from h3.
	h3 := hosts[2]
	res = load(6*time.Second, func() {
		syscall.Kill(-h3.k.PID(), syscall.SIGKILL)
	})
	t.Logf("h3's kfcgi killed after 2s: %v, slowest %v; answers by host %v", res, res.Slowest.Round(time.Millisecond), res.Counts)
	if res.Failed > conns {
		t.Errorf("%d requests failed, more than the %d in flight: %v", res.Failed, conns, res.Errors)
	}
	for _, e := range res.Errors {
		if !strings.Contains(e, "from "+h3.addr) {
			t.Errorf("a request failed elsewhere than on h3: %s", e)
		}
	}
}
