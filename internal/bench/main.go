// Command bench compares FastCGI workers end to end, as they run in
// production: wrk(1) → nginx on 127.0.0.1 → unix socket → kfcgi(8) →
// worker, for kcgi's tutorial in C, the same program in Go, and plain
// net/http/fcgi. Every contender gets its own kfcgi and nginx, all
// started at once; wrk then drives them in turns, over several rounds
// in a rotating order, so that drift on a shared machine hits all of
// them alike. Ratios to C are medians of per-round ratios.
//
// It needs root (kfcgi), nginx, wrk, cc and pkg-config with kcgi. Run
// it from the module root, with "make bench" or
//
//	go run ./internal/bench [-rounds 5] [-d 3s] [-pools fixed,variable]
//
// It prints a table and writes it, with every round's numbers as JSON,
// under results/.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// A contender is a FastCGI program under test. To add one, append it
// to contenders; one whose source is missing or does not build is
// skipped with a note.
type contender struct {
	Name    string
	Src     string   // "./cmd/name" for Go, a .c file for C
	NetHTTP bool     // plain net/http/fcgi: fixed pool only, no libkcgi children
	Env     []string // added to the environment, such as "GOMAXPROCS=1"
	Args    []string // the program's arguments
}

// contenders lists the programs; the first is the baseline of the
// ratios. Each must answer any GET with "Hello, world!\n".
var contenders = []contender{
	{Name: "C tutorial2", Src: "reference/tutorial2.c"},
	{Name: "Go tutorial2", Src: "./cmd/tutorial2"},
	{Name: "Go handlerhello", Src: "./cmd/handlerhello"},
	{Name: "Go handlerhello buffered", Src: "./cmd/handlerhello", Args: []string{"-buffered"}},
	{Name: "Go confined", Src: "./cmd/confined"},
	{Name: "net/http/fcgi", Src: "./cmd/fcgihello", NetHTTP: true},
}

// The pools: kfcgi's default fixed pool and its variable pool (-r).
var pools = map[string]harness.Pool{
	"fixed":    {Workers: 2},
	"variable": {Variable: true, Workers: 2, MaxWorkers: 4},
}

const hello = "Hello, world!\n"

var (
	flagRounds  = flag.Int("rounds", 5, "rounds; each runs every contender once")
	flagDur     = flag.Duration("d", 3*time.Second, "wrk duration per contender and round")
	flagWarm    = flag.Duration("warmup", 2*time.Second, "wrk warm-up per contender")
	flagThreads = flag.Int("t", 1, "wrk threads")
	flagConns   = flag.Int("c", 8, "wrk connections")
	flagPools   = flag.String("pools", "fixed,variable", "kfcgi pools, comma-separated")
	flagBacklog = flag.Int("l", 64, "kfcgi listen backlog")
	flagOut     = flag.String("o", "results", "directory for the report")
	flagOnly    = flag.String("only", "", "run only these programs: names, comma-separated; ratios need \"C tutorial2\" among them")
)

// A server is one contender running under kfcgi in one pool, behind
// its own nginx.
type server struct {
	contender
	Pool    string
	Binary  int64   // size in bytes
	RSSWarm []int64 // VmRSS of each worker after the warm-up, KiB
	RSSEnd  []int64 // and after the last round
	PSSWarm []int64 // PSS of each worker and its children after the warm-up, KiB
	PSSEnd  []int64 // and after the last round
	Rounds  []round
	Err     string `json:",omitempty"` // why it stopped, if it did

	k   *harness.Kfcgi
	url string
}

// A round is one wrk run against one server.
type round struct {
	Round, Slot int     // round number, position in the round's order
	Requests    int64   // completed, as wrk counts them
	Errors      int64   // socket errors and non-2xx responses
	RPS         float64 // requests per second
	P50, P99    float64 // latency, µs
	CPU         float64 // CPU time of kfcgi's process group, µs per request
}

func main() {
	flag.Parse()
	// An interrupt stops the measuring; run then stops what it started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// chosen returns the contenders -only names, in contenders' order, or
// all of them.
func chosen() ([]contender, error) {
	if *flagOnly == "" {
		return contenders, nil
	}
	names := strings.Split(*flagOnly, ",")
	var cs []contender
	var known []string
	for _, c := range contenders {
		known = append(known, c.Name)
		if slices.Contains(names, c.Name) {
			cs = append(cs, c)
		}
	}
	for _, n := range names {
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("-only: no program %q; there are %q", n, known)
		}
	}
	return cs, nil
}

func run(ctx context.Context) error {
	if err := check(); err != nil {
		return err
	}
	cs, err := chosen()
	if err != nil {
		return err
	}
	defer harness.RemoveBuilds()
	var running []io.Closer // kfcgi and nginx, closed last first
	defer func() {
		for i := len(running) - 1; i >= 0; i-- {
			running[i].Close()
		}
	}()
	var servers [][]*server // by pool
	for _, name := range strings.Split(*flagPools, ",") {
		pool, ok := pools[name]
		if !ok {
			return fmt.Errorf("unknown pool %q", name)
		}
		var ss []*server
		for _, c := range cs {
			if c.NetHTTP && pool.Variable {
				fmt.Fprintf(os.Stderr, "skipping %s in the %s pool: it serves only in the fixed pool\n", c.Name, name)
				continue
			}
			if s := start(&running, c, name, pool); s != nil {
				ss = append(ss, s)
			}
		}
		if len(ss) > 0 {
			servers = append(servers, ss)
		}
	}
	if len(servers) == 0 {
		return fmt.Errorf("nothing to measure")
	}
	for _, ss := range servers {
		for _, s := range ss {
			wrk(ctx, s, *flagWarm)
			s.RSSWarm, s.PSSWarm = workerMem(s)
		}
	}
	for i := 0; i < *flagRounds; i++ {
		for _, ss := range servers {
			for j := range ss {
				s := ss[(i+j)%len(ss)]
				if s.Err != "" {
					continue
				}
				rd, err := measure(ctx, s)
				if ctx.Err() != nil {
					return fmt.Errorf("interrupted: %w", ctx.Err())
				}
				if err != nil {
					s.Err = err.Error()
					fmt.Fprintf(os.Stderr, "%s, %s pool: %v\n", s.Name, s.Pool, err)
					continue
				}
				rd.Round, rd.Slot = i+1, j+1
				s.Rounds = append(s.Rounds, rd)
				fmt.Fprintf(os.Stderr, "round %d/%d  %-8s %-16s %8.0f req/s  %6.1f µs CPU/req\n",
					i+1, *flagRounds, s.Pool, s.Name, rd.RPS, rd.CPU)
			}
		}
	}
	for _, ss := range servers {
		for _, s := range ss {
			s.RSSEnd, s.PSSEnd = workerMem(s)
		}
	}
	return report(servers)
}

// check finds the module root and the commands the benchmark needs.
func check() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("kfcgi needs root")
	}
	for _, c := range []string{"kfcgi", "nginx", "wrk", "cc", "pkg-config"} {
		if _, err := exec.LookPath(c); err != nil {
			return err
		}
	}
	root, err := harness.ModuleRoot()
	if err != nil {
		return err
	}
	return os.Chdir(root)
}

// start builds c, runs it under kfcgi in pool behind nginx, adding
// both to running, and checks one response. It returns nil, with a
// note, if any of that fails.
func start(running *[]io.Closer, c contender, pool string, p harness.Pool) *server {
	skip := func(err error) *server {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		fmt.Fprintf(os.Stderr, "skipping %s in the %s pool: %s\n", c.Name, pool, msg)
		return nil
	}
	bin, err := build(c)
	if err != nil {
		return skip(err)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		return skip(err)
	}
	s := &server{contender: c, Pool: pool, Binary: fi.Size()}
	// kfcgi's default backlog, twice the workers, makes nginx answer
	// 502 when more connections wait.
	s.k, err = harness.NewKfcgi(harness.KfcgiConfig{Binary: bin, Pool: p, Env: c.Env, ProgArgs: c.Args,
		Args: []string{"-l", strconv.Itoa(*flagBacklog)}, NoSandbox: c.NetHTTP})
	if err != nil {
		return skip(err)
	}
	*running = append(*running, s.k)
	n, err := harness.NewNginx(harness.NginxConfig{Socket: s.k.Socket})
	if err != nil {
		return skip(err)
	}
	*running = append(*running, n)
	s.url = n.URL("/app")
	resp, err := harness.Do(n.Addr, []byte("GET /app HTTP/1.0\r\nHost: localhost\r\n\r\n"), 10*time.Second)
	switch {
	case err != nil:
		return skip(err)
	case !strings.Contains(resp.Status, " 200 ") || string(resp.Body) != hello:
		return skip(fmt.Errorf("unexpected response %q\n%s", harness.Clip(resp.Raw, 200), s.k.Log()))
	}
	return s
}

// build returns the path of the static binary of c.
func build(c contender) (string, error) {
	if strings.HasSuffix(c.Src, ".c") {
		return harness.BuildC(c.Src)
	}
	if _, err := os.Stat(filepath.Join(c.Src, "main.go")); err != nil {
		return "", fmt.Errorf("no %s", c.Src)
	}
	return harness.BuildGo(c.Src)
}

// wrk runs wrk against s for d.
func wrk(ctx context.Context, s *server, d time.Duration) (harness.WrkResult, error) {
	return harness.Wrk(ctx, s.url, *flagThreads, *flagConns, d)
}

// measure runs one round against s, with the CPU time of kfcgi's
// process group read before and after.
func measure(ctx context.Context, s *server) (round, error) {
	if !s.k.Running() {
		return round{}, fmt.Errorf("kfcgi exited\n%s", s.k.Log())
	}
	cpu0 := groupCPU(s.k.PID())
	w, err := wrk(ctx, s, *flagDur)
	time.Sleep(50 * time.Millisecond) // let the last responses finish
	cpu := groupCPU(s.k.PID()) - cpu0
	if err != nil {
		return round{}, err
	}
	if w.Requests == 0 {
		return round{}, fmt.Errorf("no requests served")
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	return round{
		Requests: w.Requests,
		Errors:   w.Errors + w.Non2xx,
		RPS:      w.RPS,
		P50:      us(w.Latency50),
		P99:      us(w.Latency99),
		CPU:      us(cpu) / float64(w.Requests),
	}, nil
}

func workerMem(s *server) (rss, pss []int64) {
	for _, pid := range s.k.Workers() {
		r, _ := harness.RSS(pid)
		rss = append(rss, r>>10)
		pss = append(pss, treePSS(pid))
	}
	return rss, pss
}
