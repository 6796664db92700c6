package harness

// This file runs nginx as a FastCGI front end on a loopback port.

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
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
// so that it can reach a socket whatever its owner. Its Dir holds
// nginx.conf, the logs and the temporary directories.
type Nginx struct{ *daemon }

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

// NewNginx writes a configuration into a temporary directory, starts
// nginx on a free loopback port and waits until it accepts
// connections. SCRIPT_NAME comes from fastcgi_params
// ($fastcgi_script_name, set by fastcgi_split_path_info). There is no
// fastcgi_keep_conn: libkcgi refuses FCGI_KEEP_CONN. Close stops it.
func NewNginx(cfg NginxConfig) (*Nginx, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "/app"
	}
	d, err := startDaemon("nginx", nginxConf, func(where daemonData) (any, error) {
		return struct {
			NginxConfig
			daemonData
		}{cfg, where}, nil
	}, NginxCommand)
	if err != nil {
		return nil, err
	}
	return &Nginx{d}, nil
}

// StartNginx is [NewNginx] for a test: it stops the test on failure,
// and nginx when the test ends.
func StartNginx(tb testing.TB, cfg NginxConfig) *Nginx {
	tb.Helper()
	n, err := NewNginx(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	n.closeWith(tb)
	return n
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
// ends; p.Dir is left to the caller.
func StartNginxProc(tb testing.TB, p NginxProc) *Nginx {
	tb.Helper()
	d := &daemon{Dir: p.Dir, Addr: p.Addr, name: "nginx", keepDir: true, dial: p.Dial}
	if err := d.start(p.Cmd); err != nil {
		tb.Fatal(err)
	}
	d.closeWith(tb)
	return &Nginx{d}
}

// NginxCommand returns the command that runs nginx with dir as its
// prefix and dir/nginx.conf as its configuration.
func NginxCommand(dir string) *exec.Cmd {
	return exec.Command("nginx", "-p", dir, "-c", filepath.Join(dir, "nginx.conf"),
		"-e", filepath.Join(dir, "error.log"))
}

// URL returns the http URL of path on this server.
func (n *Nginx) URL(path string) string { return "http://" + n.Addr + path }

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
