package harness

// This file runs nginx as a FastCGI front end on a loopback port.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"
)

// NginxConfig describes an nginx front end for one FastCGI socket.
type NginxConfig struct {
	// Socket is the FastCGI unix socket that every request goes to.
	Socket string
	// Prefix is split off the path into SCRIPT_NAME; the rest is
	// PATH_INFO. Paths outside it go to the backend with the whole
	// path as SCRIPT_NAME and no PATH_INFO. Default "/app".
	Prefix string
	// Unbuffered turns fastcgi_request_buffering off, so that request
	// bodies are streamed to the backend as they arrive.
	Unbuffered bool
	// StreamResponses turns fastcgi_buffering off, so that each write
	// of the backend reaches the client as it comes (server-sent
	// events).
	StreamResponses bool
	// Params are extra fastcgi_param directives after the standard
	// ones, such as {"HTTPS", "on"}.
	Params []Param
	// AbortOnClientClose leaves out "fastcgi_ignore_client_abort on",
	// which the configuration otherwise has, as the README's does.
	AbortOnClientClose bool
}

// Nginx is a running nginx. It runs as root in one process (no master),
// so that it can reach a socket whatever its owner.
type Nginx struct {
	Dir  string // holds nginx.conf, the logs and the temp directories
	Port int
	Addr string // 127.0.0.1:Port

	tb   testing.TB
	cmd  *exec.Cmd
	done chan struct{}
}

var nginxConf = template.Must(template.New("nginx.conf").Parse(`daemon off;
master_process off;
worker_processes 1;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log info;
events { worker_connections 4096; }
http {
	access_log {{.Dir}}/access.log;
	client_body_temp_path {{.Dir}}/client_body;
	fastcgi_temp_path {{.Dir}}/fastcgi;
	proxy_temp_path {{.Dir}}/proxy;
	uwsgi_temp_path {{.Dir}}/uwsgi;
	scgi_temp_path {{.Dir}}/scgi;
	client_max_body_size 64m;
	large_client_header_buffers 8 16k;
	server {
		listen {{.Addr}};
		location / {
			fastcgi_pass unix:{{.Socket}};
			fastcgi_request_buffering {{if .Unbuffered}}off{{else}}on{{end}};
			fastcgi_buffering {{if .StreamResponses}}off{{else}}on{{end}};
			fastcgi_ignore_client_abort {{if .AbortOnClientClose}}off{{else}}on{{end}};
			fastcgi_split_path_info ^({{.Prefix}})(/.*)?$;
			include /etc/nginx/fastcgi_params;
{{- range .Params}}
			fastcgi_param {{.Name}} {{printf "%q" .Value}};
{{- end}}
			fastcgi_param PATH_INFO $fastcgi_path_info;
		}
	}
}
`))

// StartNginx writes a configuration into a temporary directory, starts
// nginx on a free loopback port and waits until it accepts
// connections. SCRIPT_NAME comes from fastcgi_params
// ($fastcgi_script_name, set by fastcgi_split_path_info). There is no
// fastcgi_keep_conn: libkcgi refuses FCGI_KEEP_CONN. nginx is stopped
// when the test ends.
func StartNginx(tb testing.TB, cfg NginxConfig) *Nginx {
	tb.Helper()
	if cfg.Prefix == "" {
		cfg.Prefix = "/app"
	}
	var err error
	for try := 0; try < 3; try++ {
		var n *Nginx
		if n, err = startNginx(tb, cfg); err == nil {
			return n
		}
	}
	tb.Fatal(err)
	return nil
}

func startNginx(tb testing.TB, cfg NginxConfig) (*Nginx, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	n := &Nginx{Dir: tb.TempDir(), Port: port, tb: tb, done: make(chan struct{})}
	n.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	conf := filepath.Join(n.Dir, "nginx.conf")
	f, err := os.Create(conf)
	if err != nil {
		return nil, err
	}
	err = nginxConf.Execute(f, struct {
		NginxConfig
		Dir, Addr string
	}{cfg, n.Dir, n.Addr})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	n.cmd = exec.Command("nginx", "-p", n.Dir, "-c", conf, "-e", filepath.Join(n.Dir, "error.log"))
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := n.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { n.cmd.Wait(); close(n.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
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
		time.Sleep(20 * time.Millisecond)
	}
}

// URL returns the http URL of path on this server.
func (n *Nginx) URL(path string) string { return "http://" + n.Addr + path }

// ErrorLog returns the contents of nginx's error log.
func (n *Nginx) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(n.Dir, "error.log"))
	return string(b)
}

// ErrorLogLines returns the lines of the error log that contain s.
func (n *Nginx) ErrorLogLines(s string) []string {
	var out []string
	for _, l := range strings.Split(n.ErrorLog(), "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

func (n *Nginx) kill() {
	syscall.Kill(-n.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-n.done
	}
}

func (n *Nginx) cleanup() {
	n.kill()
	if n.tb.Failed() {
		n.tb.Logf("nginx error log (last 4 KiB):\n%s", tail(n.ErrorLog(), 4096))
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
