package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// reachable lets Apache's children, which run as www-data, through
// dirs.
func reachable(t *testing.T, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		if err := os.Chmod(dir, 0o711); err != nil {
			t.Fatal(err)
		}
	}
}

// serveApache starts bin under kfcgi with a socket that Apache's
// children can reach.
func serveApache(t *testing.T, bin, name string, pool harness.Pool) *harness.Kfcgi {
	t.Helper()
	k := harness.StartKfcgi(t, harness.KfcgiConfig{Binary: bin, Name: name, Pool: pool, SockUser: "www-data"})
	reachable(t, k.Jail, filepath.Dir(k.Socket))
	return k
}

// apacheSite returns deploy/linux/apache.conf for socket and the
// location /app, with enablereuse=on if reuse.
func apacheSite(t *testing.T, socket string, reuse bool) string {
	t.Helper()
	conf := deployFile(t, "linux/apache.conf")
	site := strings.NewReplacer("/var/www/run/httpd.sock", socket, `"/fcgi-bin/tutorial2"`, `"/app"`).Replace(conf)
	if site == conf {
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
	for _, pool := range pools {
		t.Run(pool.String(), func(t *testing.T) {
			var ks [2]*harness.Kfcgi
			for i, p := range progs {
				ks[i] = serveApache(t, p.bin, "echo", pool)
			}
			workers := [2][]int{ks[0].Workers(), ks[1].Workers()}
			dir := t.TempDir()
			reachable(t, filepath.Dir(dir), dir)
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
	harness.Require(t, harness.ApacheCommand)
	for _, p := range programs(t) {
		t.Run(p.name, func(t *testing.T) {
			k := serveApache(t, p.bin, "tutorial2", harness.FixedPool)
			w := harness.StartApache(t, harness.ApacheConfig{Site: apacheSite(t, k.Socket, true)})
			resp, err := harness.Do(w.Addr, req("GET", "/app", nil, nil), 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(resp.Status, "HTTP/1.1 503") {
				t.Errorf("with enablereuse=on: %s, want 503", resp.Status)
			}
			select {
			case <-k.Exited():
			case <-time.After(5 * time.Second):
				t.Errorf("kfcgi still running 5 s after FCGI_KEEP_CONN")
			}
			if !strings.Contains(k.Log(), "bad flags") {
				t.Errorf("no \"bad flags\" in kfcgi's log:\n%s", harness.Clip([]byte(k.Log()), 2000))
			}
			checkNoCrash(t, k)
		})
	}
}
