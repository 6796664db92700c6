package harness

// This file runs lighttpd as a CGI host on a loopback port.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"text/template"
	"time"
)

// LighttpdConfig describes a lighttpd that runs one CGI program.
type LighttpdConfig struct {
	// Program is the CGI program, run for every path under Prefix:
	// Prefix is its SCRIPT_NAME, the rest of the path its PATH_INFO.
	// lighttpd runs the file at this path for every request, so it may
	// be a symbolic link that the test changes between requests.
	Program string
	// Prefix defaults to "/app".
	Prefix string
}

// Lighttpd is a running lighttpd (mod_cgi), in the foreground. It lets
// control characters through in the URL and headers, as nginx does.
type Lighttpd struct {
	Dir  string // holds lighttpd.conf, the error log and an empty htdocs
	Port int
	Addr string // 127.0.0.1:Port

	tb   testing.TB
	cmd  *exec.Cmd
	done chan struct{}
}

var lighttpdConf = template.Must(template.New("lighttpd.conf").Parse(`server.document-root = "{{.Dir}}/htdocs"
server.bind = "127.0.0.1"
server.port = {{.Port}}
server.errorlog = "{{.Dir}}/error.log"
server.modules = ("mod_alias", "mod_cgi")
alias.url = ("{{.Prefix}}" => "{{.Program}}")
cgi.assign = ("" => "")
server.http-parseopts = ("header-strict" => "disable", "url-ctrls-reject" => "disable", "url-invalid-utf8-reject" => "disable")
`))

// StartLighttpd writes a configuration into a temporary directory,
// starts lighttpd on a free loopback port and waits until it accepts
// connections. It is stopped when the test ends.
func StartLighttpd(tb testing.TB, cfg LighttpdConfig) *Lighttpd {
	tb.Helper()
	if cfg.Prefix == "" {
		cfg.Prefix = "/app"
	}
	var err error
	for try := 0; try < 3; try++ {
		var l *Lighttpd
		if l, err = startLighttpd(tb, cfg); err == nil {
			return l
		}
	}
	tb.Fatal(err)
	return nil
}

func startLighttpd(tb testing.TB, cfg LighttpdConfig) (*Lighttpd, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	l := &Lighttpd{Dir: tb.TempDir(), Port: port, tb: tb, done: make(chan struct{})}
	l.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	if err := os.Mkdir(filepath.Join(l.Dir, "htdocs"), 0o755); err != nil {
		return nil, err
	}
	conf := filepath.Join(l.Dir, "lighttpd.conf")
	f, err := os.Create(conf)
	if err != nil {
		return nil, err
	}
	err = lighttpdConf.Execute(f, struct {
		LighttpdConfig
		Dir  string
		Port int
	}{cfg, l.Dir, port})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	l.cmd = exec.Command("lighttpd", "-D", "-f", conf)
	l.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := l.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { l.cmd.Wait(); close(l.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-l.done:
			return nil, fmt.Errorf("lighttpd exited: %v\n%s", l.cmd.ProcessState, tail(l.ErrorLog(), 2048))
		default:
		}
		if c, err := net.DialTimeout("tcp", l.Addr, time.Second); err == nil {
			c.Close()
			tb.Cleanup(l.cleanup)
			return l, nil
		}
		if time.Now().After(deadline) {
			l.kill()
			return nil, fmt.Errorf("lighttpd not listening on %s\n%s", l.Addr, tail(l.ErrorLog(), 2048))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ErrorLog returns the contents of lighttpd's error log, where the CGI
// programs' standard error goes too.
func (l *Lighttpd) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(l.Dir, "error.log"))
	return string(b)
}

func (l *Lighttpd) kill() {
	syscall.Kill(-l.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-l.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-l.cmd.Process.Pid, syscall.SIGKILL)
		<-l.done
	}
}

func (l *Lighttpd) cleanup() {
	l.kill()
	if l.tb.Failed() {
		l.tb.Logf("lighttpd error log (last 4 KiB):\n%s", tail(l.ErrorLog(), 4096))
	}
}
