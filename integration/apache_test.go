package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// apacheReach lets Apache's children, which run as www-data, through
// the directories above a socket in k's jail, and returns k.
func apacheReach(t *testing.T, k *harness.Kfcgi) *harness.Kfcgi {
	t.Helper()
	for _, dir := range []string{k.Jail, filepath.Dir(k.Socket)} {
		if err := os.Chmod(dir, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// apacheSite returns deploy/linux/apache.conf for socket and the
// location /app, with enablereuse=on if reuse.
func apacheSite(t *testing.T, socket string, reuse bool) string {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "deploy/linux/apache.conf"))
	if err != nil {
		t.Fatal(err)
	}
	site := strings.NewReplacer("/var/www/run/httpd.sock", socket, `"/fcgi-bin/tutorial2"`, `"/app"`).Replace(string(b))
	if site == string(b) {
		t.Fatal("deploy/linux/apache.conf: no socket or location to rewrite")
	}
	if reuse {
		site += "<Proxy \"unix:" + socket + "|fcgi://localhost/\">\n\tProxySet enablereuse=on\n</Proxy>\n"
	}
	return site
}

// TestEchoApache runs both echo programs under kfcgi behind Apache
// httpd's mod_proxy_fcgi, configured as deploy/linux/apache.conf is
// (SetHandler in a Location), in both pools: the HTTP corpus must give
// byte-identical answers, and the Location must reach libkcgi as
// SCRIPT_NAME, the rest of the path as PATH_INFO (kcgi's page and path).
func TestEchoApache(t *testing.T) {
	progs := echoPrograms(t, harness.ApacheCommand)
	for _, pool := range []harness.Pool{harness.FixedPool, harness.VariablePool} {
		t.Run(pool.String(), func(t *testing.T) {
			var ks [2]*harness.Kfcgi
			for i, p := range progs {
				ks[i] = apacheReach(t, harness.StartKfcgi(t, harness.KfcgiConfig{
					Binary: p.bin, Name: "echo", Pool: pool, SockUser: "www-data"}))
			}
			workers := [2][]int{ks[0].Workers(), ks[1].Workers()}
			dir := t.TempDir()
			for _, d := range []string{filepath.Dir(dir), dir} {
				if err := os.Chmod(d, 0o711); err != nil {
					t.Fatal(err)
				}
			}
			link := filepath.Join(dir, "echo.sock")
			echoLink(t, link, ks[0].Socket)
			w := harness.StartApache(t, harness.ApacheConfig{Site: apacheSite(t, link, false)})

			echoWeb(t, pool.String()+" pool, FastCGI behind Apache", progs, ks, link, w.Addr, append(echoHTTPCorpus(), echoHTTP{
				name: "page and path",
				raw:  req("GET", "/app/index/sub/x.txt?a=1", nil, nil),
				want: "pagename \"index\"\npath \"sub/x\"\nfullpath \"/index/sub/x.txt\"\nsuffix \"txt\"",
			}))
			for i := range progs {
				checkWorkers(t, ks[i], workers[i])
				checkNoCrash(t, ks[i])
			}
		})
	}
}

// TestApacheReuse shows why deploy/linux/apache.conf has no
// enablereuse=on: mod_proxy_fcgi then asks for FCGI_KEEP_CONN, which
// libkcgi refuses by ending the worker, and kfcgi then stops the pool.
// The C reference and the Go port fail alike.
func TestApacheReuse(t *testing.T) {
	progs := programs(t)
	harness.Require(t, harness.ApacheCommand)
	for _, p := range progs {
		t.Run(p.name, func(t *testing.T) {
			k := apacheReach(t, harness.StartKfcgi(t, harness.KfcgiConfig{
				Binary: p.bin, Name: "tutorial2", SockUser: "www-data"}))
			w := harness.StartApache(t, harness.ApacheConfig{Site: apacheSite(t, k.Socket, true)})
			resp, err := harness.Do(w.Addr, req("GET", "/app", nil, nil), 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(resp.Status, "HTTP/1.1 503") {
				t.Errorf("with enablereuse=on: %s, want 503", resp.Status)
			}
			deadline := time.Now().Add(5 * time.Second)
			for k.Running() && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if k.Running() {
				t.Errorf("kfcgi still running after FCGI_KEEP_CONN")
			}
			if !strings.Contains(k.Log(), "bad flags") {
				t.Errorf("no \"bad flags\" in kfcgi's log:\n%s", harness.Clip([]byte(k.Log()), 2000))
			}
			checkNoCrash(t, k)
		})
	}
}
