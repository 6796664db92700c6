package integration

// This file holds what the tests of deploy/ share: its files, the
// nginx directories, and a site, a box set up as deploy/ describes.

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// copyFile copies the file src to dst with mode.
func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err == nil {
		err = os.WriteFile(dst, data, mode)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// deployFile returns the contents of deploy/name.
func deployFile(t *testing.T, name string) string {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "deploy", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// nginxDir writes, into a new directory, an nginx.conf that includes
// the server configuration conf, with /etc/nginx/fastcgi_params beside
// it for conf's relative include, and returns the directory.
func nginxDir(t *testing.T, conf string) string {
	t.Helper()
	dir := t.TempDir()
	params, err := os.ReadFile("/etc/nginx/fastcgi_params")
	if err != nil {
		t.Fatal(err)
	}
	main := harness.NginxMain(dir, false, "\tinclude server.conf;\n")
	for name, data := range map[string]string{"server.conf": conf, "fastcgi_params": string(params), "nginx.conf": main} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// getBody GETs url and returns the body of a 200 response.
func getBody(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("%s: %s", resp.Status, harness.Clip(b, 80))
	}
	return string(b), err
}

// site is a box set up as the deploy/ files describe: a jail in
// /var/www, the kfcgi units in /etc/systemd/system, run by
// integration/testdata/systemctl, and nginx with the configuration in
// /etc/nginx.
type site struct {
	box   *harness.Box
	nginx *harness.Nginx
	env   []string // PATH with the stand-in systemctl, its state
	build string   // a directory outside the box holding the binaries
	state string   // the stand-in systemctl's state
}

// newSite makes the box, installs the units and the nginx
// configuration (listen 80 rewritten to a free loopback port) and
// starts nginx. bins are copied into the build directory by name.
func newSite(t *testing.T, bins map[string]string) *site {
	t.Helper()
	harness.RequireBox(t)
	harness.Require(t, "flock")
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	s := &site{
		box:   harness.StartBox(t, "/var/www", "/etc/nginx", "/etc/systemd/system", "/var/log/nginx"),
		build: t.TempDir(),
		state: t.TempDir(),
	}
	s.env = []string{
		"PATH=" + filepath.Join(root, "integration/testdata") + ":" + os.Getenv("PATH"),
		"SYSTEMCTL_STATE=" + s.state,
	}
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	params, err := os.ReadFile("/etc/nginx/fastcgi_params")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"/etc/systemd/system/kcgi-tutorial2@.service": deployFile(t, "systemd/kcgi-tutorial2@.service"),
		"/etc/nginx/conf.d/tutorial2.conf":            strings.Replace(deployFile(t, "linux/nginx-pools.conf"), "listen 80;", "listen "+addr+";", 1),
		"/etc/nginx/tutorial2-upstream.conf":          deployFile(t, "linux/tutorial2-upstream.conf"),
		"/etc/nginx/fastcgi_params":                   string(params),
		"/etc/nginx/nginx.conf":                       harness.NginxMain("/etc/nginx", true, "\tinclude /etc/nginx/conf.d/*.conf;\n"),
	}
	for _, d := range []string{"/var/www/fcgi-bin", "/var/www/run"} {
		if err := os.Mkdir(s.box.Path(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range files {
		p := s.box.Path(name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, bin := range bins {
		copyFile(t, bin, filepath.Join(s.build, name), 0o755)
	}
	s.nginx = harness.StartNginxProc(t, harness.NginxProc{
		Cmd: s.box.Command(nil, "nginx"), Dir: s.box.Path("/etc/nginx"), Addr: addr,
	})
	t.Cleanup(func() {
		if t.Failed() {
			for _, u := range []string{"a", "b"} {
				b, _ := os.ReadFile(filepath.Join(s.state, "kcgi-tutorial2@"+u+".log"))
				t.Logf("kcgi-tutorial2@%s log:\n%s", u, b)
			}
		}
	})
	return s
}

// run runs the deploy/ script name in the box from the build directory.
func (s *site) run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	out, err := s.try(t, env, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// try is run for a script that may fail: it returns the error.
func (s *site) try(t *testing.T, env []string, name string, args ...string) (string, error) {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return s.box.Run(2*time.Minute, append(env, s.env...), s.build, filepath.Join(root, "deploy", name), args...)
}

// systemctl runs the stand-in systemctl in the box and reports
// whether it succeeded.
func (s *site) systemctl(args ...string) bool {
	return s.box.Command(s.env, "systemctl", args...).Run() == nil
}
