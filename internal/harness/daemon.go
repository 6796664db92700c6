package harness

// This file starts a web server from a configuration template on a
// free loopback port: what nginx and lighttpd have in common.

import (
	"context"
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

// daemon is a web server running in the foreground, in a process group
// of its own, with its configuration and error log in Dir.
type daemon struct {
	Dir  string // holds the configuration, error.log and what the server writes
	Port int
	Addr string // where it listens, 127.0.0.1:Port unless started otherwise

	name    string
	keepDir bool // Dir is the caller's: Close leaves it
	cmd     *exec.Cmd
	done    chan struct{}
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
}

// daemonData is where a server runs, for its configuration template.
type daemonData struct {
	Dir, Addr string
	Port      int
}

// startDaemon writes conf, executed with data(where the server runs),
// into dir/name.conf in a new temporary directory, runs command(dir),
// and waits until the server accepts connections. A port taken in
// between is retried twice.
func startDaemon(name string, conf *template.Template, data func(daemonData) (any, error), command func(dir string) *exec.Cmd) (*daemon, error) {
	var err error
	for try := 0; try < 3; try++ {
		var d *daemon
		if d, err = tryDaemon(name, conf, data, command); err == nil {
			return d, nil
		}
	}
	return nil, err
}

func tryDaemon(name string, conf *template.Template, data func(daemonData) (any, error), command func(dir string) *exec.Cmd) (*daemon, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kcgi-"+name+"-")
	if err != nil {
		return nil, err
	}
	d := &daemon{Dir: dir, Port: port, Addr: fmt.Sprintf("127.0.0.1:%d", port), name: name}
	if err := d.writeConf(conf, data); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := d.start(command(dir)); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *daemon) writeConf(conf *template.Template, data func(daemonData) (any, error)) error {
	v, err := data(daemonData{d.Dir, d.Addr, d.Port})
	if err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(d.Dir, d.name+".conf"))
	if err != nil {
		return err
	}
	err = conf.Execute(f, v)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// start runs cmd in a process group of its own and waits until Addr
// accepts connections. If it does not, the server is stopped and Dir
// removed (unless keepDir).
func (d *daemon) start(cmd *exec.Cmd) error {
	d.cmd, d.done = cmd, make(chan struct{})
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if d.dial == nil {
		d.dial = (&net.Dialer{}).DialContext
	}
	if err := cmd.Start(); err != nil {
		d.removeDir()
		return err
	}
	go func() { cmd.Wait(); close(d.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if !d.Running() {
			err := fmt.Errorf("%s exited: %v\n%s", d.name, cmd.ProcessState, tail(d.ErrorLog(), 2048))
			d.removeDir()
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := d.dial(ctx, "tcp", d.Addr)
		cancel()
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			err := fmt.Errorf("%s not listening on %s\n%s", d.name, d.Addr, tail(d.ErrorLog(), 2048))
			d.Close()
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Running reports whether the server has not exited.
func (d *daemon) Running() bool {
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}

// ErrorLog returns the contents of the server's error log.
func (d *daemon) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(d.Dir, "error.log"))
	return string(b)
}

// Close stops the server (SIGTERM to its group, SIGKILL after 5 s) and
// removes Dir if it made it. It may be called again.
func (d *daemon) Close() error {
	if d.cmd == nil {
		return nil
	}
	syscall.Kill(-d.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		<-d.done
	}
	d.cmd = nil
	return d.removeDir()
}

func (d *daemon) removeDir() error {
	if d.keepDir {
		return nil
	}
	return os.RemoveAll(d.Dir)
}

// closeWith registers, for the end of the test, Close after logging
// the end of the error log if the test failed.
func (d *daemon) closeWith(tb testing.TB) {
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("%s error log (last 4 KiB):\n%s", d.name, tail(d.ErrorLog(), 4096))
		}
		d.Close()
	})
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
