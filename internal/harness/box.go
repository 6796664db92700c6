package harness

// This file runs deployment scripts verbatim in a private mount and PID
// namespace, where temporary directories stand in for /var/www and
// other system paths.

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Box is a private mount and PID namespace. Inside it, each path given
// to [StartBox] (such as /var/www) is a fresh temporary directory,
// which the test also reaches from outside at [Box.Path]. Scripts and
// daemons run in the box see the usual paths; a daemon that detaches
// is adopted by the box's init, and everything in the box is killed
// when the test ends. The network is the host's.
type Box struct {
	tb   testing.TB
	dirs map[string]string // path inside → directory outside
	cmd  *exec.Cmd         // unshare, whose child is the box's init
	init int               // PID of the box's init, as seen outside
	done chan struct{}
}

// RequireBox skips the test, or fails it under CI, unless unshare and
// nsenter exist and mount and PID namespaces can be made.
func RequireBox(tb testing.TB) {
	tb.Helper()
	Require(tb, "unshare", "nsenter")
	out, err := exec.Command("unshare", "--mount", "--pid", "--fork", "--mount-proc", "true").CombinedOutput()
	if err != nil {
		Missing(tb, fmt.Sprintf("mount and PID namespaces (unshare: %v: %s)", err, strings.TrimSpace(string(out))))
	}
}

// StartBox makes a box in which each of paths is an empty temporary
// directory. A path missing on the host is made there, empty, as a
// mount point, and removed when the test ends; nothing else changes
// outside the box.
func StartBox(tb testing.TB, paths ...string) *Box {
	tb.Helper()
	b := &Box{tb: tb, dirs: make(map[string]string), done: make(chan struct{})}
	var script strings.Builder
	script.WriteString("set -e\n")
	for _, p := range paths {
		d := filepath.Join(tb.TempDir(), strings.ReplaceAll(strings.Trim(p, "/"), "/", "-"))
		if err := os.Mkdir(d, 0o755); err != nil {
			tb.Fatal(err)
		}
		mountPoint(tb, p)
		b.dirs[p] = d
		fmt.Fprintf(&script, "mount --bind %s %s\n", shq(d), shq(p))
	}
	// The box's init reaps the orphans it adopts (sh waits for any
	// child whenever sleep ends) and lives at most an hour.
	script.WriteString("echo ready\nexec >/dev/null\ni=0\nwhile [ $i -lt 3600 ]; do sleep 1; i=$((i + 1)); done\n")
	b.cmd = exec.Command("unshare", "--mount", "--pid", "--fork", "--kill-child",
		"--mount-proc", "--propagation", "private", "sh", "-c", script.String())
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := b.cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	var stderr strings.Builder
	b.cmd.Stderr = &stderr
	if err := b.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { b.cmd.Wait(); close(b.done) }()
	tb.Cleanup(b.cleanup)
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		<-b.done
		tb.Fatalf("box: %v\n%s", b.cmd.ProcessState, stderr.String())
	}
	kids := Children(b.cmd.Process.Pid)
	if len(kids) != 1 {
		tb.Fatalf("box: unshare has children %v, want one", kids)
	}
	b.init = kids[0]
	return b
}

// mountPoint makes sure that the directory p exists, as a mount point
// needs one. Directories it has to make are empty, and removed when the
// test ends.
func mountPoint(tb testing.TB, p string) {
	tb.Helper()
	var made []string
	for d := p; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		made = append(made, d)
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		for _, d := range made {
			os.Remove(d)
		}
	})
}

// Path returns the directory outside the box that stands for p inside
// it, which must be one of the paths given to [StartBox] or below one.
func (b *Box) Path(p string) string {
	keys := make([]string, 0, len(b.dirs))
	for k := range b.dirs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, k := range keys {
		if p == k || strings.HasPrefix(p, k+"/") {
			return b.dirs[k] + p[len(k):]
		}
	}
	b.tb.Fatalf("box: %s is not in the box", p)
	return ""
}

// Command returns a command that runs name in the box, with the
// environment of the test plus env. Its working directory, if set, is
// a path outside the box, as nsenter is started outside.
func (b *Box) Command(env []string, name string, args ...string) *exec.Cmd {
	a := []string{"-t", strconv.Itoa(b.init), "-m", "-p", "--wdns=/", "--"}
	if len(env) > 0 {
		a = append(a, "env")
		a = append(a, env...)
	}
	a = append(a, name)
	cmd := exec.Command("nsenter", append(a, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// Run runs the shell script file (a path outside the box) with sh in
// the box, from directory dir inside the box, and returns its output.
func (b *Box) Run(timeout time.Duration, env []string, dir, file string, args ...string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	// sh -c runs the script's text, so the file need not be in the box;
	// $0 is its base name and $1... are args.
	outer := `cd "$1" && t=$2 && shift 2 && exec sh -c "$t" "$@"`
	a := append([]string{"-c", outer, "sh", dir, string(data), filepath.Base(file)}, args...)
	cmd := b.Command(env, "sh", a...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(timeout):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		err = fmt.Errorf("killed after %v", timeout)
	}
	if err != nil {
		return out.String(), fmt.Errorf("%s: %v\n%s", filepath.Base(file), err, out.String())
	}
	return out.String(), nil
}

// Processes returns the PIDs, as seen outside, of the live processes
// in the box other than its init whose command name is comm, but not
// whose parent's is too (such as a kfcgi's children before they exec
// the worker), or of all of them if comm is "".
func (b *Box) Processes(comm string) []int {
	var pids []int
	for _, pid := range Tree(b.init) {
		if pid == b.init {
			continue
		}
		if comm != "" {
			st, err := readStat(pid)
			if err != nil || Comm(pid) != comm || Comm(st.ppid) == comm {
				continue
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

// Comm returns the command name of pid, or "" if it is gone.
func Comm(pid int) string {
	c, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(c))
}

// Cmdline returns the arguments of pid joined by spaces, or "" if it
// is gone.
func Cmdline(pid int) string {
	c, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(strings.ReplaceAll(string(c), "\x00", " "), " ")
}

func (b *Box) cleanup() {
	syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-b.done:
	case <-time.After(5 * time.Second):
		b.tb.Errorf("box: unshare %d not reaped after SIGKILL", b.cmd.Process.Pid)
	}
	for i := 0; Alive(b.init); i++ {
		if i == 500 {
			b.tb.Errorf("box: init %d alive 5s after SIGKILL", b.init)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// shq quotes s for sh.
func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
