package harness

// This file starts variants of the kfcgi and nginx set-ups: a worker
// run with arguments that need not use libkcgi, and nginx passing
// extra FastCGI parameters.

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// StartKfcgiArgs is [StartKfcgi] for a program that kfcgi runs as
// "/fcgi-bin/Name args...", and that need not be a libkcgi worker (a
// net/http/fcgi worker forks no sandboxed children): it waits only
// until the socket exists and the initial workers run.
func StartKfcgiArgs(tb testing.TB, cfg KfcgiConfig, args ...string) *Kfcgi {
	tb.Helper()
	if cfg.Name == "" {
		cfg.Name = filepath.Base(cfg.Binary)
	}
	if cfg.Pool.Workers == 0 {
		cfg.Pool = FixedPool
	}
	// kfcgi's getopt stops at the first "--": the program and its
	// arguments follow it.
	cfg.Args = append(append(append([]string{}, cfg.Args...), "--", "/fcgi-bin/"+cfg.Name), args...)
	jail, err := makeJail(cfg.Binary, cfg.Name)
	if err != nil {
		tb.Fatal(err)
	}
	log, err := os.CreateTemp("", "kcgi-kfcgi-*.log")
	if err != nil {
		os.RemoveAll(jail)
		tb.Fatal(err)
	}
	k := &Kfcgi{
		Jail:   jail,
		Socket: filepath.Join(jail, "run", cfg.Name+".sock"),
		Pool:   cfg.Pool,
		tb:     tb,
		log:    log,
		done:   make(chan struct{}),
	}
	kargs := []string{"-d", "-p", jail, "-s", k.Socket,
		"-U", or(cfg.ProcUser, "nobody"), "-u", or(cfg.SockUser, "root")}
	kargs = append(append(kargs, cfg.Pool.args()...), cfg.Args...)
	k.cmd = exec.Command("kfcgi", kargs...)
	k.cmd.Stdout, k.cmd.Stderr = k.log, k.log
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := k.cmd.Start(); err != nil {
		os.RemoveAll(jail)
		os.Remove(log.Name())
		tb.Fatal(err)
	}
	go func() { k.cmd.Wait(); close(k.done) }()
	tb.Cleanup(k.cleanup)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err := os.Stat(k.Socket)
		if err == nil && len(k.Workers()) >= cfg.Pool.Workers {
			return k
		}
		if !k.Running() || time.Now().After(deadline) {
			tb.Fatalf("kfcgi %s: not ready (running %v)\nlog:\n%s",
				strings.Join(kargs, " "), k.Running(), k.Log())
		}
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// StartNginxParams is [StartNginx] with extra fastcgi_param directives
// after the standard ones, such as {"HTTPS", "on"} to tell the backend
// that the request came over TLS.
func StartNginxParams(tb testing.TB, cfg NginxConfig, params ...Param) *Nginx {
	tb.Helper()
	if cfg.Prefix == "" {
		cfg.Prefix = "/app"
	}
	var err error
	for try := 0; try < 3; try++ {
		var n *Nginx
		if n, err = startNginxParams(tb, cfg, params); err == nil {
			return n
		}
	}
	tb.Fatal(err)
	return nil
}

func startNginxParams(tb testing.TB, cfg NginxConfig, params []Param) (*Nginx, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	n := &Nginx{Dir: tb.TempDir(), Port: port, tb: tb, done: make(chan struct{})}
	n.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	var b bytes.Buffer
	if err := nginxConf.Execute(&b, struct {
		NginxConfig
		Dir, Addr string
	}{cfg, n.Dir, n.Addr}); err != nil {
		return nil, err
	}
	// The extra parameters go after the standard ones.
	const anchor = "\t\t\tfastcgi_param PATH_INFO"
	var extra strings.Builder
	for _, p := range params {
		fmt.Fprintf(&extra, "\t\t\tfastcgi_param %s %q;\n", p.Name, p.Value)
	}
	conf := strings.Replace(b.String(), anchor, extra.String()+anchor, 1)
	if !strings.Contains(conf, extra.String()) {
		return nil, fmt.Errorf("nginx.conf: no %q line to add parameters before", anchor)
	}
	confPath := filepath.Join(n.Dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	n.cmd = exec.Command("nginx", "-p", n.Dir, "-c", confPath, "-e", filepath.Join(n.Dir, "error.log"))
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := n.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { n.cmd.Wait(); close(n.done) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		select {
		case <-n.done:
			return nil, fmt.Errorf("nginx exited: %v\n%s", n.cmd.ProcessState, tail(n.ErrorLog(), 2048))
		default:
		}
		if c, err := net.DialTimeout("tcp", n.Addr, time.Second); err == nil {
			c.Close()
			tb.Cleanup(n.cleanup)
			return n, nil
		}
		if time.Now().After(deadline) {
			n.kill()
			return nil, fmt.Errorf("nginx not listening on %s\n%s", n.Addr, tail(n.ErrorLog(), 2048))
		}
	}
}
