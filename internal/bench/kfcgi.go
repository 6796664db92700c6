package main

// This file runs kfcgi(8). The harness's StartKfcgi waits for libkcgi's
// sandboxed children, which a net/http/fcgi worker never has, and keeps
// kfcgi's default listen backlog of twice the workers, which makes
// nginx answer 502 when more connections wait (connect(2) on a full
// unix socket fails with EAGAIN). Here readiness is one good response,
// checked by the caller, and the backlog is -l.

import (
	"fmt"
	"github.com/kcgi-go/kcgi-go/internal/harness"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// A pool is a kfcgi worker pool.
type pool struct {
	Variable bool // -r
	Workers  int  // -n
	Max      int  // -N, variable pool only
}

func (p pool) args() []string {
	args := []string{"-n", strconv.Itoa(p.Workers)}
	if p.Variable {
		args = append(args, "-r", "-N", strconv.Itoa(p.Max))
	}
	return args
}

// kfcgi is a running kfcgi(8), in the foreground and in its own process
// group, which its workers and their children inherit.
type kfcgi struct {
	Socket string
	jail   string
	log    string
	cmd    *exec.Cmd
	done   chan struct{}
}

// startKfcgi copies bin alone into a new jail under /tmp and runs it
// there under kfcgi, as nobody, with env added to the environment
// (kfcgi passes it on). r kills the group and removes the jail at the
// end.
func startKfcgi(r *runner, bin string, env []string, p pool, backlog int) (*kfcgi, error) {
	jail, err := os.MkdirTemp("/tmp", "kcgi-bench-jail-")
	if err != nil {
		return nil, err
	}
	r.Cleanup(func() { os.RemoveAll(jail) })
	data, err := os.ReadFile(bin)
	if err == nil {
		err = os.Chmod(jail, 0o755)
	}
	for _, d := range []string{"fcgi-bin", "run"} {
		if err == nil {
			err = os.Mkdir(filepath.Join(jail, d), 0o755)
		}
	}
	name := filepath.Base(bin)
	if err == nil {
		err = os.WriteFile(filepath.Join(jail, "fcgi-bin", name), data, 0o555)
	}
	if err != nil {
		return nil, err
	}
	k := &kfcgi{
		Socket: filepath.Join(jail, "run", "fcgi.sock"),
		jail:   jail,
		log:    filepath.Join(jail, "kfcgi.log"),
		done:   make(chan struct{}),
	}
	args := append([]string{"-d", "-p", jail, "-s", k.Socket, "-U", "nobody", "-u", "root",
		"-l", strconv.Itoa(backlog)}, p.args()...)
	k.cmd = exec.Command("kfcgi", append(args, "--", "/fcgi-bin/"+name)...)
	k.cmd.Env = append(os.Environ(), env...)
	logf, err := os.Create(k.log)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	k.cmd.Stdout, k.cmd.Stderr = logf, logf
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := k.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { k.cmd.Wait(); close(k.done) }()
	r.Cleanup(k.kill)
	for i := 0; ; i++ {
		if _, err := os.Stat(k.Socket); err == nil {
			return k, nil
		}
		if i == 500 || !k.Running() {
			return nil, fmt.Errorf("kfcgi %v: no socket\n%s", args, k.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (k *kfcgi) kill() {
	syscall.Kill(-k.PID(), syscall.SIGKILL)
	select {
	case <-k.done:
	case <-time.After(5 * time.Second):
	}
}

// PID returns kfcgi's process ID, which is also its process group's.
func (k *kfcgi) PID() int { return k.cmd.Process.Pid }

// Running reports whether kfcgi has not exited.
func (k *kfcgi) Running() bool {
	select {
	case <-k.done:
		return false
	default:
		return true
	}
}

// Workers returns the process IDs of kfcgi's children.
func (k *kfcgi) Workers() []int { return harness.Children(k.PID()) }

// Log returns what kfcgi and its workers wrote.
func (k *kfcgi) Log() string {
	b, _ := os.ReadFile(k.log)
	return string(b)
}
