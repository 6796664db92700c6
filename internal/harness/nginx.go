package harness

// This file runs nginx as a FastCGI front end on a loopback port.

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
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
	return n, n.start(NginxCommand(n.Dir))
}

// NginxProc describes an nginx started by the caller's own command,
// such as one run in a [Box] or a network namespace.
type NginxProc struct {
	Cmd  *exec.Cmd // runs nginx in the foreground ("daemon off")
	Dir  string    // the directory, outside any box, that holds error.log
	Addr string    // where nginx listens, host:port
	// Dial, if set, reaches Addr, say from inside a network namespace.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// StartNginxProc starts p.Cmd and waits until p.Addr accepts
// connections. nginx and its process group are stopped when the test
// ends.
func StartNginxProc(tb testing.TB, p NginxProc) *Nginx {
	tb.Helper()
	n := &Nginx{Dir: p.Dir, Addr: p.Addr, tb: tb, done: make(chan struct{}), dial: p.Dial}
	if _, port, err := net.SplitHostPort(p.Addr); err == nil {
		n.Port, _ = strconv.Atoi(port)
	}
	if err := n.start(p.Cmd); err != nil {
		tb.Fatal(err)
	}
	return n
}

// start runs cmd in a process group of its own and waits until n.Addr
// accepts connections.
func (n *Nginx) start(cmd *exec.Cmd) error {
	n.cmd = cmd
	if n.cmd.SysProcAttr == nil {
		n.cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	n.cmd.SysProcAttr.Setpgid = true
	if n.dial == nil {
		n.dial = (&net.Dialer{}).DialContext
	}
	if err := n.cmd.Start(); err != nil {
		return err
	}
	go func() { n.cmd.Wait(); close(n.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-n.done:
			return fmt.Errorf("nginx exited: %v\n%s", n.cmd.ProcessState, tail(n.ErrorLog(), 2048))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := n.dial(ctx, "tcp", n.Addr)
		cancel()
		if err == nil {
			c.Close()
			n.tb.Cleanup(n.cleanup)
			return nil
		}
		if time.Now().After(deadline) {
			n.kill()
			return fmt.Errorf("nginx not listening on %s\n%s", n.Addr, tail(n.ErrorLog(), 2048))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Running reports whether nginx has not exited.
func (n *Nginx) Running() bool {
	select {
	case <-n.done:
		return false
	default:
		return true
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

// NginxCommand returns the command that runs nginx with dir as its
// prefix and dir/nginx.conf as its configuration.
func NginxCommand(dir string) *exec.Cmd {
	return exec.Command("nginx", "-p", dir, "-c", filepath.Join(dir, "nginx.conf"),
		"-e", filepath.Join(dir, "error.log"))
}

// NginxMain returns an nginx.conf that runs nginx in the foreground
// with its pid file, logs and temporary files in dir, and http as the
// body of its http block. With master, nginx has a master process,
// which "nginx -s reload" needs, and one worker that runs as
// www-data, as Debian's does; otherwise one process runs as root.
func NginxMain(dir string, master bool, http string) string {
	var b strings.Builder
	b.WriteString("daemon off;\nworker_processes 1;\n")
	if master {
		b.WriteString("master_process on;\nuser www-data;\n")
	} else {
		b.WriteString("master_process off;\n")
	}
	fmt.Fprintf(&b, "pid %[1]s/nginx.pid;\nerror_log %[1]s/error.log info;\n"+
		"events { worker_connections 1024; }\nhttp {\n"+
		"\taccess_log %[1]s/access.log;\n", dir)
	for _, t := range []string{"client_body", "fastcgi", "proxy", "uwsgi", "scgi"} {
		fmt.Fprintf(&b, "\t%s_temp_path %s/%s;\n", t, dir, t)
	}
	b.WriteString(http)
	b.WriteString("}\n")
	return b.String()
}
