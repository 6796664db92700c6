package integration

// The resilience tests run the Go programs for a long time, stop them
// with signals, kill their workers, drop their clients at random
// points and fuzz them, next to the C references where these exist,
// and check that nothing leaks or dies and that kcgi's sandboxed
// children survive the Go host.

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// sandbox is the set of kcgi children of a server's workers, taken at
// the start of a test.
type sandbox struct {
	k    *harness.Kfcgi
	kids []int
}

// watchSandbox records the kcgi children of k's workers.
func watchSandbox(t *testing.T, k *harness.Kfcgi) sandbox {
	t.Helper()
	kids := k.Sandboxes()
	if len(kids) != 2*len(k.Workers()) {
		t.Fatalf("workers %v have kcgi children %v; want two each", k.Workers(), kids)
	}
	return sandbox{k, kids}
}

// sandboxDeaths are the log messages of a kcgi child that died: when a
// worker reaps its children in khttp_fcgi_free, kxwaitpid (wrappers.c)
// logs "waitpid: child signal" for one killed by a signal (SIGSYS from
// the seccomp filter, if Go runtime code ran in it) and "waitpid: child
// failure" for one that failed.
var sandboxDeaths = []string{"signal", "SIGSYS", "Bad system call", "child failure"}

// check requires the same kcgi children to run, still under a seccomp
// filter (Seccomp 2). Then it stops kfcgi with SIGTERM, so that every
// worker reaps its children, and requires no message of a child death
// in the log, nor a Go runtime message.
func (s sandbox) check(t *testing.T) {
	t.Helper()
	now := s.k.Sandboxes()
	for _, pid := range s.kids {
		st, err := harness.Status(pid, "Seccomp")
		switch {
		case err != nil || !slices.Contains(now, pid):
			t.Errorf("kcgi child %d gone: children at the start %v, now %v", pid, s.kids, now)
		case st["Seccomp"] != "2":
			t.Errorf("kcgi child %d: Seccomp %q, want 2", pid, st["Seccomp"])
		}
	}
	if _, err := s.k.Stop(); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
	for _, l := range strings.Split(s.k.Log(), "\n") {
		for _, m := range sandboxDeaths {
			if strings.Contains(l, m) {
				t.Errorf("the log tells of a dead kcgi child: %s", l)
			}
		}
	}
	checkNoCrash(t, s.k)
	t.Logf("sandbox: kcgi children %v ran to the end with Seccomp 2 and exited cleanly", s.kids)
}

// netpollFDs are the descriptors the Go runtime opens once, when it
// sets its first timer (here the background scavenger's, after the
// first garbage collection): an epoll instance and an eventfd.
var netpollFDs = []string{"anon_inode:[eventpoll]", "anon_inode:[eventfd]"}

// settled returns what the descriptors of pid point to, and its
// resident set size, once the worker is idle.
func settled(pid int) (fds []string, rss int64) {
	time.Sleep(200 * time.Millisecond) // the last close after the last answer
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		l, _ := os.Readlink(filepath.Join(dir, e.Name()))
		fds = append(fds, e.Name()+" "+l)
	}
	rss, _ = harness.RSS(pid)
	return fds, rss
}

// newFDs returns the descriptors of after that are not in before, but
// for the Go runtime's netpoll descriptors.
func newFDs(before, after []string) []string {
	var out []string
	for _, fd := range after {
		_, target, _ := strings.Cut(fd, " ")
		if !slices.Contains(before, fd) && !slices.Contains(netpollFDs, target) {
			out = append(out, fd)
		}
	}
	return out
}

// TestResilienceLeaks sends 30,000 requests (8,000 with -short)
// through nginx, 4 at a time, to the C reference and the Go tutorial2
// side by side, each alone in a fixed pool (-n 1, with a listen
// backlog of 16: kfcgi's default, twice the workers, is less than
// nginx's 4 connections). After 6,000 requests to warm up (the Go
// worker's heap reaches its first collection), and up to the end, the
// Go worker must open no descriptor but the runtime's netpoll pair and
// grow less than 1 MiB in VmRSS. The C worker's figures are logged:
// libkcgi 1.0.1 leaks each request's envs array,
// which the binding frees.
func TestResilienceLeaks(t *testing.T) {
	progs := programs(t)
	warm, total := int64(6000), int64(30_000)
	if testing.Short() {
		warm, total = 6000, 8000
	}
	var (
		ks        [2]*harness.Kfcgi
		ws        [2]*harness.Nginx
		pids      [2]int
		fds       [2][2][]string
		rss       [2][2]int64
		res, pre  [2]harness.LoadResult
		wg        sync.WaitGroup
		startTime = time.Now()
	)
	for i, p := range progs {
		ks[i] = harness.StartKfcgi(t, harness.KfcgiConfig{Binary: p.bin, Name: "tutorial2",
			Pool: harness.Pool{Workers: 1}, Args: []string{"-l", "16"}})
		ws[i] = web(t, ks[i])
		pids[i] = ks[i].Workers()[0]
	}
	box := watchSandbox(t, ks[1])
	for i := range progs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			load := func(n int64) harness.LoadResult {
				return harness.Load(context.Background(), harness.LoadConfig{
					URL: ws[i].URL("/app"), Expect: hello, Conns: 4, Requests: n, MaxDuration: 2 * time.Minute,
				})
			}
			pre[i] = load(warm)
			fds[i][0], rss[i][0] = settled(pids[i])
			res[i] = load(total - warm)
			fds[i][1], rss[i][1] = settled(pids[i])
		}()
	}
	wg.Wait()
	n := total - warm
	for i, p := range progs {
		growth := rss[i][1] - rss[i][0]
		t.Logf("%s worker %d: after %d requests %d fds, VmRSS %d KiB; after %d more %d fds, %d KiB: %+d KiB (%.0f B/request); %v",
			p.name, pids[i], warm, len(fds[i][0]), rss[i][0]>>10, n, len(fds[i][1]), rss[i][1]>>10,
			growth>>10, float64(growth)/float64(n), res[i])
		if pre[i].Failed+res[i].Failed > 0 || res[i].OK < n {
			t.Errorf("%s: warm-up %v, then %v: %q %q", p.name, pre[i], res[i], pre[i].Errors, res[i].Errors)
		}
		checkWorkers(t, ks[i], pids[i:i+1])
		checkNoCrash(t, ks[i])
	}
	if extra := newFDs(fds[1][0], fds[1][1]); len(extra) > 0 || len(fds[1][1]) > len(fds[1][0])+len(netpollFDs) {
		t.Errorf("Go worker: descriptors %q after the warm-up, %q at the end", fds[1][0], fds[1][1])
	}
	if g := rss[1][1] - rss[1][0]; g >= 1<<20 {
		t.Errorf("Go worker grew %d KiB over %d requests; want less than 1 MiB", g>>10, n)
	}
	t.Logf("%d requests to each in %.1fs", total, time.Since(startTime).Seconds())
	box.check(t)
}

// signalUnderLoad starts p under kfcgi behind nginx, sends load for
// half a second, then sig to kfcgi, and waits until the tree is gone.
// It returns the outcome to compare with the other program's, and
// a line for the log.
func signalUnderLoad(t *testing.T, p program, pool harness.Pool, sig syscall.Signal, limit time.Duration) (outcome, summary string) {
	t.Helper()
	k := serve(t, p, pool)
	w := web(t, k)
	growPool(t, k)
	stop := harness.StartLoad(harness.LoadConfig{URL: w.URL("/app"), Expect: hello, Conns: 4,
		Duration: time.Minute, Timeout: 5 * time.Second})
	defer stop()
	time.Sleep(500 * time.Millisecond)
	d, err := k.Terminate(sig, 10*time.Second)
	res := stop()
	if err != nil {
		t.Fatalf("%s: %v: %v", p.name, sig, err)
	}
	if d > limit {
		t.Errorf("%s: tree took %v to exit after %v; want at most %v", p.name, d, sig, limit)
	}
	if res.OK == 0 {
		t.Errorf("%s: no request succeeded before %v: %q", p.name, sig, res.Errors)
	}
	checkNoCrash(t, k)
	outcome = fmt.Sprintf("exit code %d", k.ExitCode())
	return outcome, fmt.Sprintf("%s %v (%s; %d requests before; kcgi logged %s)", p.name,
		d.Round(time.Millisecond), outcome, res.OK, childDeaths(k.Log()))
}

// childSignal is kxwaitpid's message for a kcgi child killed by a
// signal.
const childSignal = "waitpid: child signal"

// childDeaths counts kxwaitpid's messages about kcgi children that did
// not exit cleanly, and repeats childSignal if there is one.
func childDeaths(log string) string {
	s := fmt.Sprintf("child failure %d times", strings.Count(log, "waitpid: child failure"))
	if n := strings.Count(log, childSignal); n > 0 {
		s += fmt.Sprintf(", %q %d times", childSignal, n)
	}
	return s
}

// TestResilienceSignals sends SIGTERM, and SIGHUP, to kfcgi while it
// serves load from nginx, to the C reference and the Go tutorial2, in
// both pools, for three rounds (one with -short), each with a fresh
// kfcgi. The whole tree must be gone within the limits of
// TestSustainedLoad (SIGTERM, 1.5 s) and TestSIGHUP (SIGHUP, 3 s),
// without a Go runtime message, and the outcome (kfcgi's exit code,
// and whether a kcgi child died) must be the C reference's in every
// round. On Linux kfcgi 1.0.1 stops on SIGHUP too.
//
// Workers that stop in the middle of a request leave their kcgi
// children to fail ("waitpid: child failure"), with the C reference as
// with the Go port. The C reference's children are also, now and then,
// killed by a signal ("waitpid: child signal"; SIGPIPE is not ignored
// there); the Go worker ignores SIGPIPE, its children
// inherit that, and none of them may die of a signal: that would be
// the seccomp filter's SIGSYS, or Go runtime code running in them.
func TestResilienceSignals(t *testing.T) {
	progs := programs(t)
	rounds := 3
	if testing.Short() {
		rounds = 1
	}
	for _, s := range []struct {
		sig   syscall.Signal
		name  string
		limit time.Duration
	}{{syscall.SIGTERM, "SIGTERM", 1500 * time.Millisecond}, {syscall.SIGHUP, "SIGHUP", 3 * time.Second}} {
		for _, pool := range pools {
			t.Run(s.name+"/"+pool.String(), func(t *testing.T) {
				for r := 1; r <= rounds; r++ {
					var outcome, summary [2]string
					for i, p := range progs {
						outcome[i], summary[i] = signalUnderLoad(t, p, pool, s.sig, s.limit)
					}
					t.Logf("round %d: %s; %s", r, summary[0], summary[1])
					if outcome[0] != outcome[1] {
						t.Errorf("round %d: outcomes differ: %s; %s", r, summary[0], summary[1])
					}
					if strings.Contains(summary[1], childSignal) {
						t.Errorf("round %d: a kcgi child of the Go worker died of a signal: %s", r, summary[1])
					}
				}
			})
		}
	}
}

// TestResilienceSIGKILL kills one worker of the C reference and of the
// Go tutorial2 with SIGKILL, in both pools, and requires the same
// outcome. kfcgi 1.0.1 stops when a worker dies ("worker unexpectedly
// exited"): it sends SIGTERM to the other workers, waits for them and
// exits, with code 0 in the fixed pool (fixedpool always returns
// success, kfcgi.c:822-870) and 1 in the variable pool (varpool
// returns failure unless asked to stop, 405-449, 758). The killed
// worker's kcgi children see their sockets close and exit: the whole
// tree must be gone within 3 s.
func TestResilienceSIGKILL(t *testing.T) {
	progs := programs(t)
	for _, pool := range pools {
		t.Run(pool.String(), func(t *testing.T) {
			var outcome, summary [2]string
			for i, p := range progs {
				k := serve(t, p, pool)
				growPool(t, k)
				checkServes(t, k)
				workers := k.Workers()
				victim := workers[0]
				if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				d, err := k.Wait(10 * time.Second)
				if err != nil {
					t.Errorf("%s: %v", p.name, err)
				} else if d > 3*time.Second {
					t.Errorf("%s: tree took %v to exit after a worker was killed; want at most 3s", p.name, d)
				}
				checkNoCrash(t, k)
				outcome[i] = fmt.Sprintf("kfcgi stopped, exit code %d", k.ExitCode())
				if k.Running() {
					outcome[i] = "kfcgi still running"
				}
				summary[i] = fmt.Sprintf("%s: killed worker %d of %v: %s, tree gone in %v; kfcgi logged %q",
					p.name, victim, workers, outcome[i], d.Round(time.Millisecond), kfcgiSays(k.Log()))
				t.Log(summary[i])
			}
			if outcome[0] != outcome[1] {
				t.Errorf("outcomes differ:\n%s\n%s", summary[0], summary[1])
			}
			want := map[bool]string{false: "kfcgi stopped, exit code 0", true: "kfcgi stopped, exit code 1"}[pool.Variable]
			if outcome[1] != want {
				t.Errorf("Go: %s; want %s", outcome[1], want)
			}
		})
	}
}

// dropRequest is a request to cut short, sent whole once before and
// once after the dropped clients to get its answer.
type dropRequest struct {
	name    string
	network string // "tcp" to an nginx, "unix" to the FastCGI socket
	addr    string
	raw     []byte
	cuts    []int // where the request may be cut inside its body
	body    int   // where the body starts
	answer  []byte
}

// dropRequests returns a GET, a 60 KB form and an upload for each
// address of nginx, and as FastCGI requests for socket.
//
// On the FastCGI socket the upload is 200 KB, and its echo is larger
// than the socket buffers, so the worker is still writing when a client
// resets the connection. The body is cut only between STDIN records,
// and the head anywhere but in the 8 bytes of the BEGIN_REQUEST body:
// libkcgi 1.0.1 ends the worker, and so the pool, when the connection
// ends inside either (kworker_fcgi_stdin and kworker_fcgi_begin,
// child.c, read from a NULL buffer; see TestFatalRequests), with the C
// reference too.
//
// Through nginx the upload is 40 KB. Without fastcgi_ignore_client_abort
// (which the harness's nginx sets, as the README says to), nginx closes
// the connection to the worker when a client goes away, and if it was
// still writing a body larger than the socket buffer, that can be inside
// a STDIN record: the same crash (see TestClientAbortUploads).
func dropRequests(nginx []string, socket string) []dropRequest {
	form := []byte("none=" + strings.Repeat("a%01", 15_000))
	upload := func(n int) []byte {
		return echoMultipart("drop", [2]string{
			`Content-Disposition: form-data; name="none"; filename="a.bin"` + "\r\nContent-Type: application/octet-stream",
			echoBinary(n, 11)})
	}
	bodies := []struct {
		name, path, ctype string
		body, fcgiBody    []byte
	}{
		{"GET", "/index", "", nil, nil},
		{"form", "/form", "application/x-www-form-urlencoded", form, form},
		{"upload", "/upload", "multipart/form-data; boundary=drop", upload(40_000), upload(200_000)},
	}
	var rs []dropRequest
	for _, b := range bodies {
		method, headers := "GET", []string(nil)
		if b.body != nil {
			method, headers = "POST", []string{"Content-Type: " + b.ctype}
		}
		for _, addr := range nginx {
			raw := req(method, "/app"+b.path+"?int=1", headers, b.body)
			rs = append(rs, dropRequest{name: b.name + " via nginx " + addr, network: "tcp", addr: addr,
				raw: raw, body: bytes.Index(raw, []byte("\r\n\r\n")) + 4})
		}
		params := echoParams("REQUEST_METHOD", method, "PATH_INFO", b.path, "QUERY_STRING", "int=1",
			"CONTENT_TYPE", b.ctype, "CONTENT_LENGTH", fmt.Sprint(len(b.fcgiBody)))
		raw := harness.FCGIRequest{Params: params, Stdin: b.fcgiBody, Chunk: 16384}.Bytes()
		r := dropRequest{name: b.name + " via FastCGI", network: "unix", addr: socket, raw: raw, body: len(raw)}
		recs, _ := harness.ParseRecords(raw)
		at := 0
		for _, rec := range recs {
			if rec.Type == harness.FCGIStdin && len(rec.Content) > 0 {
				r.body = min(r.body, at)
				r.cuts = append(r.cuts, at)
			}
			at += 8 + len(rec.Content) + len(rec.Padding)
		}
		rs = append(rs, r)
	}
	return rs
}

// fetch sends r whole and returns its answer, masked for comparison.
func (r dropRequest) fetch(t *testing.T) []byte {
	t.Helper()
	if r.network == "unix" {
		raw, err := harness.FCGIDo("unix", r.addr, r.raw, 30*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		return raw
	}
	resp, err := harness.Do(r.addr, r.raw, 30*time.Second)
	if err != nil {
		t.Fatalf("%s: %v", r.name, err)
	}
	return echoMask(echoDechunk(t, resp))
}

// drop returns a client that goes away from r at a random point:
// inside the request head, inside the body, right after the request,
// or inside the answer, which it cuts with an RST; otherwise it closes
// with a FIN or an RST at random.
func (r dropRequest) drop(rnd *rand.Rand) abort {
	a := abort{network: r.network, send: r.raw, reset: rnd.Intn(2) == 0}
	where := rnd.Intn(4)
	if where == 1 && len(r.raw) == r.body {
		where = 2 // no body
	}
	switch where {
	case 0:
		cut := 1 + rnd.Intn(r.body-1)
		if r.network == "unix" && cut >= 8 && cut < 16 {
			cut += 8 // past the body of BEGIN_REQUEST
		}
		a.name, a.send = "in the head", r.raw[:cut]
	case 1:
		a.name, a.send = "in the body", r.raw[:r.body+rnd.Intn(len(r.raw)-r.body)]
		if r.cuts != nil {
			a.send = r.raw[:r.cuts[rnd.Intn(len(r.cuts))]]
		}
	case 2:
		a.name = "after the request"
	case 3:
		a.name, a.read, a.reset = "in the answer", 1+rnd.Intn(len(r.answer)*3/4), true
	}
	a.name = r.name + ", " + a.name
	return a
}

// TestResilienceDisconnects sends 1,000 clients (200 with -short) that
// go away at random points (fixed seed) to the Go echo, in both pools:
// through nginx buffering request bodies, nginx streaming them, and
// straight to the FastCGI socket; see dropRequest.drop. The clients
// themselves must not fail: every answer they wait for is long enough.
// kfcgi listens with a backlog of 64: with its default, twice the
// workers, nginx gets EAGAIN and answers 502 while the workers finish
// with the connections of clients that went away.
// Afterwards the same workers and kcgi children must run, every
// request must get the answer it got before, and the log must hold no
// Go runtime message.
func TestResilienceDisconnects(t *testing.T) {
	prog := echoPrograms(t)[1]
	clients := 1000
	if testing.Short() {
		clients = 200
	}
	for _, pool := range pools {
		t.Run(pool.String(), func(t *testing.T) {
			k := harness.StartKfcgi(t, harness.KfcgiConfig{Binary: prog.bin, Name: "echo", Pool: pool,
				Args: []string{"-l", "64"}})
			buffered := web(t, k)
			streaming := harness.StartNginx(t, harness.NginxConfig{Socket: k.Socket, Unbuffered: true})
			growPool(t, k)
			workers := k.Workers()
			box := watchSandbox(t, k)
			reqs := dropRequests([]string{buffered.Addr, streaming.Addr}, k.Socket)
			for i := range reqs {
				reqs[i].answer = reqs[i].fetch(t)
			}

			rnd := rand.New(rand.NewSource(int64(len(pool.String()))))
			type job struct {
				a    abort
				addr string
			}
			jobs := make(chan job, clients)
			kinds := map[string]int{}
			for i := 0; i < clients; i++ {
				r := reqs[rnd.Intn(len(reqs))]
				a := r.drop(rnd)
				kinds[a.name[strings.LastIndex(a.name, ", ")+2:]]++
				jobs <- job{a, r.addr}
			}
			close(jobs)
			var (
				wg     sync.WaitGroup
				mu     sync.Mutex
				failed = map[string]int{}
			)
			for i := 0; i < 4; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := range jobs {
						if err := j.a.run(j.addr); err != nil {
							mu.Lock()
							failed[j.a.name+": "+err.Error()]++
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
			for e, n := range failed {
				t.Errorf("%d times: %s", n, e)
			}
			time.Sleep(500 * time.Millisecond) // let the workers notice
			checkWorkers(t, k, workers)
			for _, r := range reqs {
				if d := harness.Diff(r.answer, r.fetch(t)); d != "" {
					t.Errorf("%s: answer changed: %s", r.name, d)
				}
			}
			t.Logf("%s pool: %d clients dropped %v; workers %v alive; kcgi logged %s",
				pool, clients, kinds, workers, severed(k.Log()))
			box.check(t)
		})
	}
}

// TestResilienceFuzz sends 500 random requests (100 with -short) from
// harness.FuzzHTTP, with a fixed seed, through one nginx to the C echo
// and the Go echo, each under kfcgi in a fixed pool, switching between
// them with the symbolic link of the echo tests. The two answers to
// each request must be the same bytes, once Date, Server and
// REMOTE_PORT are masked and chunks decoded, and no worker may die.
func TestResilienceFuzz(t *testing.T) {
	progs := echoPrograms(t)
	n := 500
	if testing.Short() {
		n = 100
	}
	var (
		ks      [2]*harness.Kfcgi
		workers [2][]int
	)
	for i, p := range progs {
		ks[i] = harness.StartKfcgi(t, harness.KfcgiConfig{Binary: p.bin, Name: "echo"})
		workers[i] = ks[i].Workers()
	}
	box := watchSandbox(t, ks[1])
	link := filepath.Join(t.TempDir(), "echo.sock")
	echoLink(t, link, ks[0].Socket)
	w := harness.StartNginx(t, harness.NginxConfig{Socket: link})

	rnd := rand.New(rand.NewSource(1))
	c := &echoCompare{t: t, mode: "fuzz"}
	statuses := map[string]int{}
	for i := 0; i < n; i++ {
		raw := harness.FuzzHTTP(rnd, "/app")
		line, _, _ := bytes.Cut(raw, []byte("\r\n"))
		var got [2][]byte
		for j := range progs {
			echoLink(t, link, ks[j].Socket)
			resp, err := harness.Do(w.Addr, raw, 30*time.Second)
			if err != nil {
				t.Fatalf("request %d (%q): %s: %v", i, harness.Clip(line, 100), progs[j].name, err)
			}
			got[j] = echoMask(echoDechunk(t, resp))
			if j == 0 {
				statuses[resp.Status]++
			}
		}
		c.check(fmt.Sprintf("request %d (%q)", i, harness.Clip(line, 100)), got, "")
	}
	t.Logf("%d requests, %d byte-identical, %d answered by echo; statuses %v", c.n, c.same, c.echoed, statuses)
	if c.echoed < n/2 {
		t.Errorf("only %d of %d requests reached the programs", c.echoed, n)
	}
	for i := range progs {
		checkWorkers(t, ks[i], workers[i])
		checkNoCrash(t, ks[i])
	}
	box.check(t)
}
