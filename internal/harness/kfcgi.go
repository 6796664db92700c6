package harness

// This file runs kfcgi(8) in a chroot jail and inspects its processes.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Pool selects kfcgi's worker pool.
type Pool struct {
	Variable   bool // variable-sized pool (-r)
	Workers    int  // initial workers (-n)
	MaxWorkers int  // maximum workers of a variable pool (-N)
}

// The two pools the tests use.
var (
	FixedPool    = Pool{Workers: 2}
	VariablePool = Pool{Variable: true, Workers: 1, MaxWorkers: 4}
)

// String returns "fixed" or "variable".
func (p Pool) String() string {
	if p.Variable {
		return "variable"
	}
	return "fixed"
}

func (p Pool) args() []string {
	args := []string{"-n", fmt.Sprint(p.Workers)}
	if p.Variable {
		args = append([]string{"-r"}, args...)
		if p.MaxWorkers > 0 {
			args = append(args, "-N", fmt.Sprint(p.MaxWorkers))
		}
	}
	return args
}

// KfcgiConfig describes a kfcgi server to start.
type KfcgiConfig struct {
	Binary   string   // static program, copied alone into the jail's fcgi-bin
	Name     string   // name inside fcgi-bin; default: base name of Binary
	Pool     Pool     // zero value means FixedPool
	SockUser string   // owner of the socket (-u); default "root"
	ProcUser string   // user the processes run as (-U); default "nobody"
	Args     []string // extra kfcgi options, such as "-l 64"
	Env      []string // added to kfcgi's environment, which the workers inherit
	ProgArgs []string // arguments for the program, after its name
	// NoSandbox says that the program does not use libkcgi (say, a
	// net/http/fcgi worker), so it forks no sandboxed children: the
	// server is ready once the workers run.
	NoSandbox bool
	// Prefix, if set, is a command that runs kfcgi in place, by
	// exec, such as "ip netns exec NAME" to put it in a network
	// namespace.
	Prefix []string
}

// Kfcgi is a running kfcgi server. It runs in the foreground (-d), in
// its own process group, which its workers and their sandboxed kcgi
// children inherit, so that the whole tree can be found and killed.
type Kfcgi struct {
	Jail   string // root of the chroot jail
	Socket string // absolute path of the FastCGI socket
	Pool   Pool

	noKids bool // the workers fork no kcgi children
	cmd    *exec.Cmd
	log    *os.File
	done   chan struct{} // closed once kfcgi has exited and been reaped
}

// NewKfcgi makes a jail under /tmp, starts kfcgi in it and waits
// until the socket listens and the initial workers have finished
// khttp_fcgi_init (each has its two sandboxed children, unless
// cfg.NoSandbox). Close kills it, with every process of its group.
func NewKfcgi(cfg KfcgiConfig) (*Kfcgi, error) {
	if cfg.Name == "" {
		cfg.Name = filepath.Base(cfg.Binary)
	}
	if cfg.Pool.Workers == 0 {
		cfg.Pool = FixedPool
	}
	if cfg.SockUser == "" {
		cfg.SockUser = "root"
	}
	if cfg.ProcUser == "" {
		cfg.ProcUser = "nobody"
	}
	jail, err := makeJail(cfg.Binary, cfg.Name)
	if err != nil {
		return nil, err
	}
	log, err := os.CreateTemp("", "kcgi-kfcgi-*.log")
	if err != nil {
		os.RemoveAll(jail)
		return nil, err
	}
	k := &Kfcgi{
		Jail:   jail,
		Socket: filepath.Join(jail, "run", cfg.Name+".sock"),
		Pool:   cfg.Pool,
		noKids: cfg.NoSandbox,
		log:    log,
		done:   make(chan struct{}),
	}
	args := []string{"-d", "-p", jail, "-s", k.Socket,
		"-U", cfg.ProcUser, "-u", cfg.SockUser}
	args = append(args, cfg.Pool.args()...)
	args = append(args, cfg.Args...)
	args = append(args, "--", "/fcgi-bin/"+cfg.Name)
	args = append(args, cfg.ProgArgs...)
	args = append([]string{"kfcgi"}, args...)
	if len(cfg.Prefix) > 0 {
		args = append(cfg.Prefix[:len(cfg.Prefix):len(cfg.Prefix)], args...)
	}
	k.cmd = exec.Command(args[0], args[1:]...)
	k.cmd.Env = append(os.Environ(), cfg.Env...)
	k.cmd.Stdout, k.cmd.Stderr = k.log, k.log
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := k.cmd.Start(); err != nil {
		os.RemoveAll(jail)
		os.Remove(log.Name())
		return nil, err
	}
	go func() { k.cmd.Wait(); close(k.done) }()
	if err := k.waitReady(10 * time.Second); err != nil {
		err = fmt.Errorf("%s: %v\nlog:\n%s", strings.Join(args, " "), err, k.Log())
		k.Close()
		return nil, err
	}
	return k, nil
}

// StartKfcgi is [NewKfcgi] for a test: it stops the test on failure,
// and kills kfcgi when the test ends, failing it if processes are left.
func StartKfcgi(tb testing.TB, cfg KfcgiConfig) *Kfcgi {
	tb.Helper()
	k, err := NewKfcgi(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("kfcgi log (last 4 KiB):\n%s", tail(k.Log(), 4096))
		}
		if err := k.Close(); err != nil {
			tb.Error(err)
		}
	})
	return k
}

// makeJail creates the jail directory with fcgi-bin/name and run/.
func makeJail(bin, name string) (string, error) {
	jail, err := os.MkdirTemp("/tmp", "kcgi-jail-")
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(bin)
	if err == nil {
		err = os.Chmod(jail, 0o755)
	}
	for _, d := range []string{"fcgi-bin", "run"} {
		if err == nil {
			err = os.Mkdir(filepath.Join(jail, d), 0o755)
		}
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(jail, "fcgi-bin", name), data, 0o555)
	}
	if err != nil {
		os.RemoveAll(jail)
		return "", fmt.Errorf("jail: %v", err)
	}
	return jail, nil
}

func (k *Kfcgi) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-k.done:
			return fmt.Errorf("exited early: %v", k.cmd.ProcessState)
		default:
		}
		if k.ready() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v", timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ready reports whether the socket exists and the initial workers
// each have their two kcgi children. kfcgi listens before it forks,
// so the socket then accepts connections.
func (k *Kfcgi) ready() bool {
	if _, err := os.Stat(k.Socket); err != nil {
		return false
	}
	ws := k.Workers()
	if len(ws) < k.Pool.Workers {
		return false
	}
	for _, w := range ws {
		if !k.noKids && len(Children(w)) < 2 {
			return false
		}
	}
	return true
}

// Close kills kfcgi and every process of its group, waits for them,
// and removes the jail and the log. It may be called again.
func (k *Kfcgi) Close() error {
	if k.Jail == "" {
		return nil
	}
	var err error
	syscall.Kill(-k.PID(), syscall.SIGKILL)
	select {
	case <-k.done:
	case <-time.After(5 * time.Second):
		err = fmt.Errorf("kfcgi %d not reaped after SIGKILL", k.PID())
	}
	for i := 0; len(Group(k.PID())) > 0; i++ {
		if i == 500 {
			err = fmt.Errorf("processes left 5s after SIGKILL: %v", Group(k.PID()))
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	os.RemoveAll(k.Jail)
	k.log.Close()
	os.Remove(k.log.Name())
	k.Jail = ""
	return err
}

// PID returns the process ID of kfcgi.
func (k *Kfcgi) PID() int { return k.cmd.Process.Pid }

// Running reports whether kfcgi has not exited.
func (k *Kfcgi) Running() bool {
	select {
	case <-k.done:
		return false
	default:
		return Alive(k.PID())
	}
}

// ExitCode returns kfcgi's exit status, or -1 if it has not exited
// or was killed by a signal.
func (k *Kfcgi) ExitCode() int {
	select {
	case <-k.done:
		return k.cmd.ProcessState.ExitCode()
	default:
		return -1
	}
}

// Exited is closed once kfcgi has exited.
func (k *Kfcgi) Exited() <-chan struct{} { return k.done }

// Workers returns the PIDs of kfcgi's live workers.
func (k *Kfcgi) Workers() []int { return Children(k.PID()) }

// Sandboxes returns the PIDs of the children that kcgi forked in the
// workers (its sandboxed control and parser processes).
func (k *Kfcgi) Sandboxes() []int {
	var pids []int
	for _, w := range k.Workers() {
		pids = append(pids, Children(w)...)
	}
	return pids
}

// Processes returns every live process of kfcgi's process group:
// kfcgi, the workers, their kcgi children, and any of these left
// behind after kfcgi exited.
func (k *Kfcgi) Processes() []int { return Group(k.PID()) }

// Signal sends sig to kfcgi.
func (k *Kfcgi) Signal(sig syscall.Signal) error {
	return syscall.Kill(k.PID(), sig)
}

// Terminate sends sig to kfcgi and waits, at most timeout, until
// every process of its group is gone; see [Kfcgi.Wait].
func (k *Kfcgi) Terminate(sig syscall.Signal, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	if err := k.Signal(sig); err != nil {
		return 0, err
	}
	_, err := k.Wait(timeout)
	return time.Since(start), err
}

// Wait waits, at most timeout, until every process of kfcgi's group is
// gone and kfcgi has been reaped. It returns the time that took, or an
// error naming the processes still alive.
func (k *Kfcgi) Wait(timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	for {
		left := k.Processes()
		if len(left) == 0 {
			<-k.done // a zombie at most: reaped at once
			return time.Since(start), nil
		}
		if time.Since(start) > timeout {
			return time.Since(start), fmt.Errorf("after %v, still alive: %v", timeout, left)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Stop is Terminate(SIGTERM, 10*time.Second).
func (k *Kfcgi) Stop() (time.Duration, error) {
	return k.Terminate(syscall.SIGTERM, 10*time.Second)
}

// Log returns what kfcgi, its workers and libkcgi wrote to standard
// output and standard error so far.
func (k *Kfcgi) Log() string {
	b, _ := os.ReadFile(k.log.Name())
	return string(b)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
